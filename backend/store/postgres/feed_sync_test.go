package postgres_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// keyNotices records which versions of a key a's watchers were handed, and
// how many resyncs.
type keyNotices struct {
	mu       sync.Mutex
	versions map[int64]bool
	resyncs  int
}

func watchKey(t *testing.T, s *postgres.Store, id string) *keyNotices {
	kn := &keyNotices{versions: map[int64]bool{}}
	s.Watch(t.Context(), func(ns []store.Notice) {
		kn.mu.Lock()
		defer kn.mu.Unlock()
		for _, n := range ns {
			switch {
			case n.Kind == store.NoticeKey && n.ID == id:
				kn.versions[n.Version] = true
			case n.Kind == store.NoticeResync:
				kn.resyncs++
			}
		}
	})
	return kn
}

func (kn *keyNotices) has(v int64) bool {
	kn.mu.Lock()
	defer kn.mu.Unlock()
	return kn.versions[v]
}

func (kn *keyNotices) resynced() int {
	kn.mu.Lock()
	defer kn.mu.Unlock()
	return kn.resyncs
}

// Sync on a listening feed returns once everything committed before it was
// handed to the watchers: a change through another instance is there when
// a's Sync returns, with no waiting.
func TestSyncHearsWhatCameBefore(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := t.Context()
	kn := watchKey(t, a, "key_1")
	k := testKey("key_1")
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if i > 0 {
			if err := b.Update(ctx, func(tx store.Tx) (err error) { k, err = tx.UpdateKey(ctx, k); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Sync(ctx); err != nil {
			t.Fatalf("Sync on a listening feed: %v", err)
		}
		if !kn.has(k.Version) {
			t.Fatalf("Sync returned before the notice of version %d, committed before it, was handed to the watchers", k.Version)
		}
	}
}

// A Sync on a feed whose LISTEN connection the server killed never says all
// was heard when it wasn't: a change committed after the kill, its NOTIFY
// sent to no one, is handed to the watchers before Sync returns nil, or Sync
// fails with ErrFeedCut (in practice: the kill is found, the token never
// comes). Once the listener listens again (its resync), Sync succeeds.
func TestSyncAfterAKilledListener(t *testing.T) {
	a, b, u := twoInstances(t)
	ctx := t.Context()
	db := databaseOf(t, u)
	kn := watchKey(t, a, "key_1")
	k := testKey("key_1")
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("Sync before the kill: %v", err)
	}
	for round := range 5 {
		killListeners(t, db)
		if err := b.Update(ctx, func(tx store.Tx) (err error) { k, err = tx.UpdateKey(ctx, k); return err }); err != nil {
			t.Fatal(err)
		}
		switch err := a.Sync(ctx); {
		case err == nil && !kn.has(k.Version):
			t.Fatalf("round %d: Sync after the kill returned nil, but version %d, committed before it, never reached the watchers", round, k.Version)
		case err != nil && !errors.Is(err, store.ErrFeedCut):
			t.Fatalf("round %d: Sync after the kill: %v, want nil or ErrFeedCut", round, err)
		}
		testkit.Eventually(t, "the listener to listen again", func() bool { return kn.resynced() > round })
		if err := a.Sync(ctx); err != nil {
			t.Fatalf("round %d: Sync after the resync: %v", round, err)
		}
	}
}
