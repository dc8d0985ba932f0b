package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// testKeyChecks: KeyChecks reads every key, tombstones included, with exactly
// the fields Key has for them.
func testKeyChecks(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	live := newKey("key_live", at(0), "mem_x")
	gone := newKey("key_gone", at(time.Minute), "mem_x")
	gone.DeletedAt = ptr(at(time.Hour))
	old := newKey("key_old", at(2*time.Minute), "mem_x")
	old.ReplacedBy, old.LastUsedAt = "key_live", ptr(at(3*time.Minute))
	f.insertKeys(live, gone, old)

	// What a caller keeps of each (the store reuses the KeyCheck and its buffers).
	type kept struct {
		ID, Name, Type, ReplacedBy string
		Hash                       []byte
		ExpiresAt                  time.Time
		DeletedAt, LastUsedAt      *time.Time
		Version                    int64
	}
	clone := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		c := *t
		return &c
	}
	seen := map[string]kept{}
	if err := f.s.KeyChecks(f.ctx, func(kc *store.KeyCheck) error {
		seen[string(kc.ID)] = kept{ID: string(kc.ID), Name: string(kc.Name), Type: string(kc.Type),
			ReplacedBy: string(kc.ReplacedBy), Hash: bytes.Clone(kc.Hash), ExpiresAt: kc.ExpiresAt,
			DeletedAt: clone(kc.DeletedAt), LastUsedAt: clone(kc.LastUsedAt), Version: kc.Version}
		return nil
	}); err != nil {
		t.Fatalf("KeyChecks: %v", err)
	}
	if len(seen) != 3 {
		t.Fatalf("KeyChecks gave %d keys, want 3: %v", len(seen), seen)
	}
	for _, id := range []string{"key_live", "key_gone", "key_old"} {
		k := f.key(id)
		want := kept{ID: k.ID, Name: k.Name, Type: string(k.Type), Hash: k.Hash, ExpiresAt: k.ExpiresAt,
			DeletedAt: k.DeletedAt, ReplacedBy: k.ReplacedBy, LastUsedAt: k.LastUsedAt, Version: k.Version}
		assertEqual(t, "KeyChecks "+id, want, seen[id])
	}
}

// testTouchKeys: a batch follows TouchKey's once-a-minute rule key by key and
// skips keys that are gone.
func testTouchKeys(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	f.insertKeys(newKey("key_1", at(0), "mem_x"), newKey("key_2", at(0), "mem_x"))
	if err := f.s.TouchKey(f.ctx, "key_2", at(time.Hour), "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	err := f.s.TouchKeys(f.ctx, []store.KeyUse{
		{ID: "key_1", At: at(time.Hour + 30*time.Second), Addr: "192.0.2.1"},
		{ID: "key_2", At: at(time.Hour + 30*time.Second), Addr: "192.0.2.2"}, // within the minute: kept as it was
		{ID: "key_nope", At: at(time.Hour), Addr: "192.0.2.3"},
	})
	if err != nil {
		t.Fatalf("TouchKeys: %v", err)
	}
	for _, c := range []struct {
		id   string
		when time.Duration
		addr string
	}{
		{"key_1", time.Hour + 30*time.Second, "192.0.2.1"},
		{"key_2", time.Hour, "192.0.2.9"},
	} {
		k := f.key(c.id)
		if k.LastUsedAt == nil || !k.LastUsedAt.Equal(at(c.when)) || k.LastUsedAddr != c.addr || k.Version != 1 {
			t.Errorf("%s after TouchKeys: last used %v from %q, version %d; want %s from %q, version 1",
				c.id, k.LastUsedAt, k.LastUsedAddr, k.Version, fmtTime(at(c.when)), c.addr)
		}
	}
	if err := f.s.TouchKeys(f.ctx, nil); err != nil {
		t.Fatalf("TouchKeys(nil): %v", err)
	}
}
