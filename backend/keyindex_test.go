package backend_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// countingStore counts the reads a check could make and lets a test speak for
// the store's feed (a cut, a resync).
type countingStore struct {
	store.Store
	byHash atomic.Int64
	mu     sync.Mutex
	fns    []func([]store.Notice)
}

func (c *countingStore) KeyByHash(ctx context.Context, hash []byte) (model.Key, error) {
	c.byHash.Add(1)
	return c.Store.KeyByHash(ctx, hash)
}

func (c *countingStore) Watch(ctx context.Context, fn func([]store.Notice)) {
	c.mu.Lock()
	c.fns = append(c.fns, fn)
	c.mu.Unlock()
	c.Store.Watch(ctx, fn)
}

func (c *countingStore) inject(ns ...store.Notice) {
	c.mu.Lock()
	fns := slices.Clone(c.fns)
	c.mu.Unlock()
	for _, fn := range fns {
		fn(ns)
	}
}

// indexEnv is newEnv with the backend's store wrapped in a countingStore and
// the key index loaded.
func indexEnv(t *testing.T) (*env, *countingStore) {
	t.Helper()
	e := newEnv(t, model.ExpiryPolicy{})
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: st}
	e.b = backend.New(backend.Config{Store: cs, Clock: e.clock.Now})
	if err := e.b.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e, cs
}

func (e *env) verify(secret string, kt model.KeyType) string {
	e.t.Helper()
	res, err := e.b.Verify(e.ctx, secret, kt, "192.0.2.1")
	if err != nil {
		e.t.Fatalf("Verify: %v", err)
	}
	if res.Valid {
		return "valid"
	}
	return res.Reason
}

func TestChecksReadNoStoreOnceTheIndexIsLoaded(t *testing.T) {
	e, cs := indexEnv(t)
	k, sec := e.createKey("Nightly import", model.KeyImport)
	other, _ := model.NewSecret(model.KeyImport)
	for range 10 {
		if got := e.verify(sec.Reveal(), model.KeyImport); got != "valid" {
			t.Fatalf("a new key: %s, want valid", got)
		}
		if got := e.verify(other.Reveal(), model.KeyImport); got != backend.ReasonUnknown {
			t.Fatalf("an unknown key: %s, want unknown", got)
		}
	}
	res, _ := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "")
	if res.Key.ID != k.ID || res.Key.Name != k.Name || res.Key.Type != k.Type || !res.Key.ExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("Verify gave %+v, want the fields of %+v", res.Key, k)
	}
	if n := cs.byHash.Load(); n != 0 {
		t.Fatalf("checks read the store %d times; want none once the index is loaded", n)
	}
}

// Every rule of a check, answered from the index, table by table: the same
// answers the store path gives.
func TestIndexAnswersEveryRule(t *testing.T) {
	e, cs := indexEnv(t)
	owner := e.as(model.PrimaryOwner)
	_, liveSec := e.createKey("live", model.KeyImport)
	gone, goneSec := e.createKey("gone", model.KeyImport)
	if _, err := owner.DeleteKey(e.ctx, gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	old, oldSec := e.createKey("rotated", model.KeyImport)
	rot, err := owner.RotateKey(e.ctx, old.ID, backend.RotateKeyRequest{Version: old.Version, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		secret string
		kt     model.KeyType
		after  time.Duration
		want   string
	}{
		{"live key, its type", liveSec.Reveal(), model.KeyImport, 0, "valid"},
		{"live key, another type", liveSec.Reveal(), model.KeyExport, 0, backend.ReasonWrongType},
		{"deleted at once", goneSec.Reveal(), model.KeyImport, 0, backend.ReasonRevoked},
		{"rotated out, in its grace", oldSec.Reveal(), model.KeyImport, 0, "valid"},
		{"its replacement at once", rot.Secret.Reveal(), model.KeyImport, 0, "valid"},
		{"rotated out, grace over", oldSec.Reveal(), model.KeyImport, time.Hour, backend.ReasonExpired},
		{"live key past expiry", liveSec.Reveal(), model.KeyImport, 31 * 24 * time.Hour, backend.ReasonExpired},
		{"malformed", "apk_nope", model.KeyImport, 0, backend.ReasonMalformed},
	}
	for _, c := range cases {
		e.clock.Set(start.Add(c.after))
		if got := e.verify(c.secret, c.kt); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if n := cs.byHash.Load(); n != 0 {
		t.Fatalf("checks read the store %d times; want none", n)
	}
}

// A key deleted by another process on the same file (the CLI while serve runs)
// is refused without a store read on the request path. The time it takes is
// reported, not asserted: the feed's bound is ~25 ms plus a read.
func TestDeleteByAnotherProcessIsRefused(t *testing.T) {
	e, cs := indexEnv(t)
	st2, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	other := backend.New(backend.Config{Store: st2, Clock: e.clock.Now})
	ownerThere, err := other.SessionFor(e.ctx, e.members[model.PrimaryOwner].ID, model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var took []time.Duration
	for range n {
		k, sec, err := ownerThere.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "k", Type: model.KeyImport, Expires: e.days(30)})
		if err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "the new key to be valid here", func() bool { return e.verify(sec.Reveal(), model.KeyImport) == "valid" })
		if _, err := ownerThere.DeleteKey(e.ctx, k.ID, k.Version); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		testkit.Eventually(t, "the deleted key to be refused here", func() bool {
			return e.verify(sec.Reveal(), model.KeyImport) == backend.ReasonRevoked
		})
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	t.Logf("a delete by another process refused here after: min %v, median %v, max %v (n=%d)",
		took[0], took[n/2], took[n-1], n)
	if c := cs.byHash.Load(); c != 0 {
		t.Errorf("checks read the store %d times; want none", c)
	}
}

// While the feed is cut nothing is answered from the index: checks read the
// store until the resync's reload is done, and then the index again.
func TestCutFeedFallsBackToTheStore(t *testing.T) {
	e, cs := indexEnv(t)
	_, sec := e.createKey("k", model.KeyImport)
	e.verify(sec.Reveal(), model.KeyImport)
	if cs.byHash.Load() != 0 {
		t.Fatal("read the store before the cut")
	}
	cs.inject(store.Notice{Kind: store.NoticeCut})
	for i := range 3 {
		e.verify(sec.Reveal(), model.KeyImport)
		if got := cs.byHash.Load(); got != int64(i+1) {
			t.Fatalf("check %d during the cut: %d store reads, want %d", i+1, got, i+1)
		}
	}
	cs.inject(store.Notice{Kind: store.NoticeResync})
	testkit.Eventually(t, "checks to use the index again", func() bool {
		before := cs.byHash.Load()
		e.verify(sec.Reveal(), model.KeyImport)
		return cs.byHash.Load() == before
	})
}

// PrepareChecks returns with the index loaded even when a first check has
// already started a load in the background.
func TestPrepareChecksWaitsForARunningLoad(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	_, sec := e.createKey("k", model.KeyImport)
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: st}
	e.b = backend.New(backend.Config{Store: cs, Clock: e.clock.Now})
	e.verify(sec.Reveal(), model.KeyImport) // starts the load in the background
	if err := e.b.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	before := cs.byHash.Load()
	e.verify(sec.Reveal(), model.KeyImport)
	if cs.byHash.Load() != before {
		t.Fatal("a check after PrepareChecks read the store")
	}
}
