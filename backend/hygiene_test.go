package backend_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// A key used a few seconds after it was replaced, within the minute of its
// last use written before, is still in use: the day's count says so.
func TestReplacedKeyUsedJustAfterItsRotationIsInUse(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, sec := e.createKey("Nightly import", model.KeyImport)
	if got := e.verify(sec.Reveal(), model.KeyImport); got != "valid" {
		t.Fatalf("verify: %s", got)
	}
	e.clock.Add(20 * time.Second)
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(10 * time.Second)
	if got := e.verify(sec.Reveal(), model.KeyImport); got != "valid" {
		t.Fatalf("verify in the grace: %s", got)
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := owner.KeyHealth(e.ctx, backend.HealthQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Key.ID != k.ID {
			continue
		}
		if h.Key.LastUsedAt == nil || !h.Key.LastUsedAt.Before(rot.New.CreatedAt) {
			t.Fatalf("last use %v: the test meant it written before the rotation at %v", h.Key.LastUsedAt, rot.New.CreatedAt)
		}
		if !slices.Contains(h.Buckets, model.BucketReplacedInUse) || h.UsesSinceReplaced != 2 {
			t.Fatalf("buckets %v, uses since replaced %d; want replaced-in-use, 2", h.Buckets, h.UsesSinceReplaced)
		}
		return
	}
	t.Fatalf("the replaced key is not listed: %+v", hs)
}

// readsStore counts the reads KeyHealth could make.
type readsStore struct {
	store.Store
	key, keys, members, lists, links, totals, usage atomic.Int64
}

func (r *readsStore) Key(ctx context.Context, id string) (model.Key, error) {
	r.key.Add(1)
	return r.Store.Key(ctx, id)
}

func (r *readsStore) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	r.keys.Add(1)
	return r.Store.Keys(ctx, q)
}

func (r *readsStore) Members(ctx context.Context) ([]model.Member, error) {
	r.members.Add(1)
	return r.Store.Members(ctx)
}

func (r *readsStore) AllowLists(ctx context.Context) ([]model.AllowList, error) {
	r.lists.Add(1)
	return r.Store.AllowLists(ctx)
}

func (r *readsStore) AllowListLinks(ctx context.Context) ([]store.AllowListLink, error) {
	r.links.Add(1)
	return r.Store.AllowListLinks(ctx)
}

func (r *readsStore) UsageTotals(ctx context.Context, from string) ([]store.UsageCount, error) {
	r.totals.Add(1)
	return r.Store.UsageTotals(ctx, from)
}

func (r *readsStore) KeyUsage(ctx context.Context, keyID, from string) ([]store.UsageCount, error) {
	r.usage.Add(1)
	return r.Store.KeyUsage(ctx, keyID, from)
}

// KeyHealth reads each thing once, whatever the number of keys: no read per
// key, even for a replaced key whose successor was deleted; replaced keys add
// one usage total per day they were replaced on.
func TestKeyHealthReadsOncePerCall(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	var keys []model.Key
	for _, n := range []string{"A", "B", "C", "D", "E", "F", "G", "H"} {
		k, _ := e.createKey(n, model.KeyImport)
		keys = append(keys, k)
	}
	rotate := func(k model.Key) backend.Rotation {
		t.Helper()
		rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 7 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return rot
	}
	e.clock.Add(8 * 24 * time.Hour) // past "never used"'s 7 days
	a, b := rotate(keys[0]), rotate(keys[1])
	if _, err := owner.DeleteKey(e.ctx, b.New.ID, b.New.Version); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(48 * time.Hour)
	rotate(keys[2])
	_ = a

	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rs := &readsStore{Store: st}
	e.b = backend.New(backend.Config{Store: rs, Clock: e.clock.Now})
	hs, err := e.as(model.PrimaryOwner).KeyHealth(e.ctx, backend.HealthQuery{})
	if err != nil {
		t.Fatal(err)
	}
	replaced := 0
	for _, h := range hs {
		if h.Key.ReplacedBy != "" {
			replaced++
			if slices.Contains(h.Buckets, model.BucketReplacedInUse) {
				t.Errorf("%s, never used, is in replaced-in-use: %v", h.Key.Name, h.Buckets)
			}
		}
		if !slices.Contains(h.Buckets, model.BucketNeverUsed) && h.Key.CreatedAt.Before(e.clock.Now().Add(-model.NeverUsedAfter)) {
			t.Errorf("%s: %v, want never-used", h.Key.Name, h.Buckets)
		}
	}
	if replaced != 3 {
		t.Fatalf("%d replaced keys listed, want 3", replaced)
	}
	got := map[string]int64{"Key": rs.key.Load(), "Keys": rs.keys.Load(), "Members": rs.members.Load(),
		"AllowLists": rs.lists.Load(), "AllowListLinks": rs.links.Load(), "UsageTotals": rs.totals.Load(), "KeyUsage": rs.usage.Load()}
	// UsageTotals: the 30 days, then the two days keys were replaced on.
	want := map[string]int64{"Key": 0, "Keys": 1, "Members": 1, "AllowLists": 1, "AllowListLinks": 1, "UsageTotals": 3, "KeyUsage": 0}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s read %d times, want %d", n, got[n], w)
		}
	}
}

// BenchmarkKeyHealth10k is KeyHealth over 10,000 keys, 100 of them replaced
// on one day, beside ListKeys of the same keys in the same run: its reads are
// a fixed few whatever the number of keys, so the ratio holds as keys grow.
func BenchmarkKeyHealth10k(b *testing.B) {
	c := benchClient(b, 10_000)
	ctx := context.Background()
	s := c.(*backend.Session)
	keys, err := s.ListKeys(ctx, backend.KeyFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys[:100] {
		if _, err := s.RotateKey(ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 24 * time.Hour}); err != nil {
			b.Fatal(err)
		}
	}
	for _, run := range []struct {
		name string
		fn   func() (int, error)
	}{
		{"ListKeys", func() (int, error) { ks, err := s.ListKeys(ctx, backend.KeyFilter{}); return len(ks), err }},
		{"KeyHealth", func() (int, error) { hs, err := s.KeyHealth(ctx, backend.HealthQuery{}); return len(hs), err }},
	} {
		b.Run(run.name, func(b *testing.B) {
			cpu, n := processCPU(), 0
			for b.Loop() {
				if got, err := run.fn(); err != nil || got != 10_100 {
					b.Fatal(got, err)
				}
				n++
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(n), "cpu-ns/op")
		})
	}
}
