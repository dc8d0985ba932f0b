package backend_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// feedStore is a store whose change feed the test speaks for entirely: the
// real store's notices never reach the backend on it, so a change the test
// doesn't announce is lost, as a NOTIFY sent to a killed LISTEN connection
// is. It can hold a full load once its rows are read, answer Sync as a feed
// that is cut without knowing it yet, and fail one key read.
type feedStore struct {
	store.Store
	mu      sync.Mutex
	fns     []func([]store.Notice)
	hold    chan chan struct{} // non-nil: each full load, its rows read, sends a release channel and waits
	syncs   chan chan error    // non-nil: each Sync sends a reply channel and returns its answer
	keyFail atomic.Bool        // the next Key read fails
	byHash  atomic.Int64
}

func (f *feedStore) Watch(ctx context.Context, fn func([]store.Notice)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fns = append(f.fns, fn)
}

func (f *feedStore) inject(ns ...store.Notice) {
	f.mu.Lock()
	fns := slices.Clone(f.fns)
	f.mu.Unlock()
	for _, fn := range fns {
		fn(ns)
	}
}

func (f *feedStore) KeyChecks(ctx context.Context, fn func(*store.KeyCheck) error) error {
	err := f.Store.KeyChecks(ctx, fn)
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		release := make(chan struct{})
		hold <- release
		<-release
	}
	return err
}

// Sync answers at once while the feed is live (f.syncs nil): the test
// announces every change it makes then.
func (f *feedStore) Sync(ctx context.Context) error {
	f.mu.Lock()
	syncs := f.syncs
	f.mu.Unlock()
	if syncs == nil {
		return nil
	}
	reply := make(chan error, 1)
	syncs <- reply
	return <-reply
}

func (f *feedStore) Key(ctx context.Context, id string) (model.Key, error) {
	if f.keyFail.CompareAndSwap(true, false) {
		return model.Key{}, errors.New("feedStore: the database is away")
	}
	return f.Store.Key(ctx, id)
}

func (f *feedStore) KeyByHash(ctx context.Context, hash []byte) (model.Key, error) {
	f.byHash.Add(1)
	return f.Store.KeyByHash(ctx, hash)
}

func (f *feedStore) setHold(h chan chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = h
}

func (f *feedStore) setSyncs(s chan chan error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs = s
}

// feedEnv is a workspace whose backend writes (e.b) and a second backend on
// the same file, on a feedStore, that checks: its index learns of e.b's
// changes only through what the test injects, or a load.
func feedEnv(t *testing.T) (*env, *backend.Backend, *feedStore) {
	t.Helper()
	e := newEnv(t, model.ExpiryPolicy{})
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs := &feedStore{Store: st}
	b := backend.New(backend.Config{Store: fs, Clock: e.clock.Now})
	if err := b.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e, b, fs
}

// verifyAt is e.verify on another backend, with what a failure needs to say
// why: the index's flags and whether this check read the store.
func verifyAt(t *testing.T, b *backend.Backend, fs *feedStore, secret string) (string, string) {
	t.Helper()
	ready, cut, reloading, again := backend.IndexState(b)
	before := fs.byHash.Load()
	res, err := b.Verify(t.Context(), secret, model.KeyImport, "192.0.2.1")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	from := "index"
	if fs.byHash.Load() != before {
		from = "store"
	}
	why := fmt.Sprintf("answered from the %s; before it ready=%v cut=%v reloading=%v again=%v", from, ready, cut, reloading, again)
	if res.Valid {
		return "valid", why
	}
	return res.Reason, why
}

func loading(b *backend.Backend) bool {
	_, _, reloading, _ := backend.IndexState(b)
	return reloading
}

// A load whose rows were read while the feed was still up, but which ends
// after the feed was cut without anyone knowing yet (the server killed the
// LISTEN connection; the listener has not read that yet), must not put the
// index back in service: a key deleted after the read and before the cut is
// found is in no notice and not in the rows. The index waits for the feed to
// prove it carries changes again (Sync), which a cut feed never does.
// TestCutListenerServesNothingStale failed once this way: b refused the
// deleted key (from the store, a resync's reload running), then the reload
// ended and b answered valid from its rows.
func TestLoadEndingInAnUnnoticedCutIsNotTrusted(t *testing.T) {
	e, b, fs := feedEnv(t)
	k, sec := e.createKey("k", model.KeyImport)
	fs.inject(store.Notice{Kind: store.NoticeKey, ID: k.ID, Version: k.Version})
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != "valid" || fs.byHash.Load() != 0 {
		t.Fatalf("before the cut: %s (%s), want valid from the index", got, why)
	}

	// A resync's reload reads the rows, and is held there.
	hold := make(chan chan struct{})
	fs.setHold(hold)
	fs.inject(store.Notice{Kind: store.NoticeResync})
	release := <-hold
	fs.setHold(nil)

	// Now the feed is cut, unnoticed: Syncs wait, and the delete's notice
	// is lost.
	syncs := make(chan chan error)
	fs.setSyncs(syncs)
	if _, err := e.as(model.PrimaryOwner).DeleteKey(e.ctx, k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked {
		t.Fatalf("during the reload: %s (%s), want revoked", got, why)
	}

	// The load ends; it may not be trusted until the feed has been heard.
	close(release)
	var reply chan error
	testkit.Eventually(t, "the reload to end or to wait for the feed", func() bool {
		select {
		case reply = <-syncs:
			return true
		default:
			return !loading(b)
		}
	})
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked {
		t.Fatalf("the reload done, the feed cut unnoticed: %s (%s), want revoked", got, why)
	}
	if reply == nil {
		t.Fatal("the reload ended without asking the feed whether it carries changes")
	}

	// The listener finds the cut: the Sync fails with it.
	fs.inject(store.Notice{Kind: store.NoticeCut})
	reply <- store.ErrFeedCut
	testkit.Eventually(t, "the reload to end", func() bool { return !loading(b) })
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked || !strings.Contains(why, "store") {
		t.Fatalf("cut: %s (%s), want revoked from the store", got, why)
	}

	// It listens again: the resync's reload reads the delete, and the index
	// serves again.
	fs.setSyncs(nil)
	fs.inject(store.Notice{Kind: store.NoticeResync})
	testkit.Eventually(t, "the index to serve again", func() bool { ready, _, _, _ := backend.IndexState(b); return ready })
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked || !strings.Contains(why, "index") {
		t.Fatalf("resynced: %s (%s), want revoked from the index", got, why)
	}
}

// A cut and the resync that ends it, both while a load runs, owe another
// load: the running one may have read the rows before the cut. That must be
// known when the resync is applied, not when a goroutine it starts gets to
// run: the running load could end in between and put the index in service
// with rows from before the cut. (Which comes first is the scheduler's, so
// the round is run often enough that the goroutine is late in some.)
func TestResyncDuringALoadOwesAnotherAtOnce(t *testing.T) {
	e, b, fs := feedEnv(t)
	k, sec := e.createKey("k", model.KeyImport)
	fs.inject(store.Notice{Kind: store.NoticeKey, ID: k.ID, Version: k.Version})
	hold := make(chan chan struct{})
	fs.setHold(hold)
	for round := range 50 {
		fs.inject(store.Notice{Kind: store.NoticeResync})
		release := <-hold
		fs.inject(store.Notice{Kind: store.NoticeCut})
		if round == 0 {
			if _, err := e.as(model.PrimaryOwner).DeleteKey(e.ctx, k.ID, k.Version); err != nil {
				t.Fatal(err)
			}
		}
		fs.inject(store.Notice{Kind: store.NoticeResync})
		if ready, cut, reloading, again := backend.IndexState(b); ready || cut || !reloading || !again {
			t.Fatalf("round %d: after a cut and a resync during a load: ready=%v cut=%v reloading=%v again=%v, want another load owed",
				round, ready, cut, reloading, again)
		}
		close(release)
		release = <-hold // the load owed reads the rows again
		if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked {
			t.Fatalf("round %d: between the loads: %s (%s), want revoked", round, got, why)
		}
		close(release)
		testkit.Eventually(t, "the index to serve again", func() bool { ready, _, _, _ := backend.IndexState(b); return ready })
		if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked || !strings.Contains(why, "index") {
			t.Fatalf("round %d: resynced: %s (%s), want revoked from the index", round, got, why)
		}
	}
}

// A key notice whose read fails leaves the index untrusted at once, not when
// the reload it starts gets to run: until then the index holds the key as it
// was before the change.
func TestFailedKeyReadStopsTheIndexAtOnce(t *testing.T) {
	e, b, fs := feedEnv(t)
	k, sec := e.createKey("k", model.KeyImport)
	fs.inject(store.Notice{Kind: store.NoticeKey, ID: k.ID, Version: k.Version})
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != "valid" {
		t.Fatalf("before: %s (%s), want valid", got, why)
	}
	hold := make(chan chan struct{})
	fs.setHold(hold)
	del, err := e.as(model.PrimaryOwner).DeleteKey(e.ctx, k.ID, k.Version)
	if err != nil {
		t.Fatal(err)
	}
	fs.keyFail.Store(true)
	fs.inject(store.Notice{Kind: store.NoticeKey, ID: k.ID, Version: del.Version})
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked {
		t.Fatalf("the changed key unread: %s (%s), want revoked", got, why)
	}
	release := <-hold
	fs.setHold(nil)
	close(release)
	testkit.Eventually(t, "the index to serve again", func() bool { ready, _, _, _ := backend.IndexState(b); return ready })
	if got, why := verifyAt(t, b, fs, sec.Reveal()); got != backend.ReasonRevoked {
		t.Fatalf("reloaded: %s (%s), want revoked", got, why)
	}
}
