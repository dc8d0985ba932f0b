package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// FeedHarness opens stores for the feed suite.
type FeedHarness struct {
	// Open returns two handles on one new, empty, migrated database, as two
	// processes or instances would hold them, closed when t ends.
	Open func(t *testing.T) (a, b store.Store)
	// Cut, if set, breaks a's feed the way a server restart or a lost
	// connection would (PostgreSQL: pg_terminate_backend on its LISTEN
	// connection). Stores whose feed can't be cut leave it nil.
	Cut func(t *testing.T, a store.Store)
}

// RunFeed runs the feed suite: what Store.Watch promises.
func RunFeed(t *testing.T, h FeedHarness) {
	t.Run("OwnWritesAtCommit", func(t *testing.T) { testFeedOwnWrites(t, h) })
	t.Run("OtherHandle", func(t *testing.T) { testFeedOtherHandle(t, h) })
	t.Run("RolledBackSaysNothing", func(t *testing.T) { testFeedRollback(t, h) })
	t.Run("UsesAreNotEdits", func(t *testing.T) { testFeedUses(t, h) })
	t.Run("AllowLists", func(t *testing.T) { testFeedAllowLists(t, h) })
	t.Run("SyncThenTheNotice", func(t *testing.T) { testFeedSync(t, h) })
	if h.Cut != nil {
		t.Run("CutThenResync", func(t *testing.T) { testFeedCut(t, h) })
	}
}

// recorder collects notices for a test.
type recorder struct {
	mu      sync.Mutex
	notices []store.Notice
	changed chan struct{}
}

func watch(t *testing.T, s store.Store) *recorder {
	r := &recorder{changed: make(chan struct{}, 1)}
	s.Watch(t.Context(), func(ns []store.Notice) {
		r.mu.Lock()
		r.notices = append(r.notices, ns...)
		r.mu.Unlock()
		select {
		case r.changed <- struct{}{}:
		default:
		}
	})
	return r
}

func (r *recorder) has(want store.Notice) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.notices, func(n store.Notice) bool {
		return n.Kind == want.Kind && (want.ID == "" || n.ID == want.ID) && (want.Version == 0 || n.Version == want.Version)
	})
}

func (r *recorder) all() []store.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notices)
}

// feedTimeout is only a safety net for a notice that never comes; the feed's
// real bound (tens of milliseconds) is measured elsewhere, not asserted here.
const feedTimeout = 10 * time.Second

// await waits for a notice matching want (empty ID, zero Version: any).
func (r *recorder) await(t *testing.T, want store.Notice) {
	t.Helper()
	deadline := time.NewTimer(feedTimeout)
	defer deadline.Stop()
	for !r.has(want) {
		select {
		case <-r.changed:
		case <-deadline.C:
			t.Fatalf("no %v notice for %q (version %d) within %v; got %v", want.Kind, want.ID, want.Version, feedTimeout, r.all())
		}
	}
}

func testFeedOwnWrites(t *testing.T, h FeedHarness) {
	a, _ := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)
	m := newMember("mem_1", "Ada", "ada@example.com", t0)
	k := newKey("key_1", t0, "mem_1")
	ev := model.AuditEvent{ID: "evt_1", Type: model.EventApiKeyCreated, EventTimestamp: t0, IngestionTimestamp: t0,
		Actor: model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Ada"}, Source: model.SourceCLI, Payload: []byte(`{}`)}
	if err := a.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertMember(ctx, m); err != nil {
			return err
		}
		if err := tx.InsertKey(ctx, k); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	}); err != nil {
		t.Fatal(err)
	}
	// No waiting: a change through this handle is delivered before Update returns.
	for _, want := range []store.Notice{
		{Kind: store.NoticeMember, ID: "mem_1", Version: 1},
		{Kind: store.NoticeKey, ID: "key_1", Version: 1},
		{Kind: store.NoticeEvent, ID: "evt_1"},
	} {
		if !r.has(want) {
			t.Errorf("after Update returned: no %v notice for %s; got %v", want.Kind, want.ID, r.all())
		}
	}
}

func testFeedOtherHandle(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)

	m := newMember("mem_1", "Ada", "ada@example.com", t0)
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertMember(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeMember, ID: "mem_1"})

	k := newKey("key_1", t0, "mem_1")
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_1", Version: 1})

	// A deletion is the change that matters most: it names the new version.
	k.DeletedAt, k.UpdatedAt = ptr(at(time.Hour)), at(time.Hour)
	if err := b.Update(ctx, func(tx store.Tx) error { _, err := tx.UpdateKey(ctx, k); return err }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_1", Version: 2})

	m.Status, m.UpdatedAt = model.StatusDeactivated, at(time.Hour)
	if err := b.Update(ctx, func(tx store.Tx) error { _, err := tx.UpdateMember(ctx, m); return err }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeMember, ID: "mem_1", Version: 2})

	if err := b.Update(ctx, func(tx store.Tx) error { return tx.AddSSHKey(ctx, "mem_1", newSSHKey(1, t0)) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeMember, ID: "mem_1", Version: 2})

	ev := model.AuditEvent{ID: "evt_1", Type: model.EventApiKeyDeleted, EventTimestamp: t0, IngestionTimestamp: t0,
		Actor: model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Ada"}, Source: model.SourceCLI, Payload: []byte(`{}`)}
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeEvent})
}

func testFeedRollback(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)
	err := a.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertKey(ctx, newKey("key_gone", t0, "mem_x")); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("Update: %v, want the rollback", err)
	}
	// A committed change after the rolled-back one: once its notice is in,
	// anything the rolled-back one would have sent would be in too.
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, newKey("key_kept", t0, "mem_x")) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_kept"})
	if r.has(store.Notice{Kind: store.NoticeKey, ID: "key_gone"}) {
		t.Fatalf("a rolled-back insert was announced: %v", r.all())
	}
}

// A last use is not an edit: recording one must not announce the key, or every
// subscriber reads every key checked (on SQLite it cost a third of serve's CPU).
func testFeedUses(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	for _, id := range []string{"key_used", "key_marker"} {
		if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, newKey(id, t0, "mem_x")) }); err != nil {
			t.Fatal(err)
		}
	}
	r := watch(t, a)
	if err := b.TouchKeys(ctx, []store.KeyUse{{ID: "key_used", At: at(time.Hour), Addr: "192.0.2.1:1"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.TouchKey(ctx, "key_used", at(2*time.Hour), "192.0.2.2:1"); err != nil {
		t.Fatal(err)
	}
	// An edit after the uses: once its notice is in, any notice the uses
	// sent would be in too.
	k := newKey("key_marker", t0, "mem_x")
	k.Name, k.UpdatedAt = "Renamed", at(3*time.Hour)
	if err := b.Update(ctx, func(tx store.Tx) error { _, err := tx.UpdateKey(ctx, k); return err }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_marker", Version: 2})
	if r.has(store.Notice{Kind: store.NoticeKey, ID: "key_used"}) {
		t.Fatalf("a last use was announced as a key change: %v", r.all())
	}
	// And the uses were recorded all the same.
	got, err := b.Key(ctx, "key_used")
	if err != nil {
		t.Fatal(err)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at(2*time.Hour)) || got.LastUsedAddr != "192.0.2.2:1" || got.Version != 1 {
		t.Fatalf("after the uses: last used %v from %q, version %d; want %v from 192.0.2.2:1, version 1",
			got.LastUsedAt, got.LastUsedAddr, got.Version, at(2*time.Hour))
	}
}

func testFeedCut(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)
	h.Cut(t, a)
	r.await(t, store.Notice{Kind: store.NoticeCut})
	// A change while a's feed may still be down: a either gets its notice or a
	// resync after it, never neither.
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, newKey("key_1", t0, "mem_x")) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeResync})
	// And the feed carries changes again.
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, newKey("key_2", t0, "mem_x")) }); err != nil {
		t.Fatal(err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_2"})
	ns := r.all()
	if i, j := slices.IndexFunc(ns, isKind(store.NoticeCut)), slices.IndexFunc(ns, isKind(store.NoticeResync)); j < i {
		t.Fatalf("a resync before the cut: %v", ns)
	}
}

// testFeedSync: on a feed that is not cut, Sync answers nil, and a change
// the other handle committed before it reaches the watchers (at once or on
// its way: SQLite's next poll).
func testFeedSync(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)
	if err := b.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, newKey("key_1", t0, "mem_x")) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("Sync on a feed that is not cut: %v", err)
	}
	r.await(t, store.Notice{Kind: store.NoticeKey, ID: "key_1", Version: 1})
}

func isKind(k store.NoticeKind) func(store.Notice) bool {
	return func(n store.Notice) bool { return n.Kind == k }
}
