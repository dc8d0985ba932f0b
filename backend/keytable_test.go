package backend

import (
	"crypto/sha256"
	"hash/maphash"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func check(id string, version int64) *store.KeyCheck {
	h := sha256.Sum256([]byte(id))
	return &store.KeyCheck{ID: []byte(id), Name: []byte("name of " + id), Type: []byte(model.KeyImport),
		Hash: h[:], ExpiresAt: time.UnixMicro(1_000_000).UTC(), Version: version}
}

func lookupID(t *testing.T, tb *keyTable, id string) (model.Key, bool) {
	t.Helper()
	h := sha256.Sum256([]byte(id))
	i, ok := tb.findHash(&h)
	if !ok {
		return model.Key{}, false
	}
	return tb.key(i), true
}

func TestKeyTable(t *testing.T) {
	tb := newKeyTable(0)
	steps := []struct {
		name     string
		do       func()
		id       string
		wantVer  int64 // 0: absent
		wantName string
	}{
		{"insert", func() { tb.put(check("key_a", 1)) }, "key_a", 1, "name of key_a"},
		{"newer version replaces", func() { c := check("key_a", 2); c.Name = []byte("renamed"); tb.put(c) }, "key_a", 2, "renamed"},
		{"older version is ignored", func() { tb.put(check("key_a", 1)) }, "key_a", 2, "renamed"},
		{"another key", func() { tb.put(check("key_b", 1)) }, "key_b", 1, "name of key_b"},
		{"the first is still there", func() {}, "key_a", 2, "renamed"},
		{"remove", func() { tb.remove("key_a") }, "key_a", 0, ""},
		{"a huge name gets a chunk of its own", func() { c := check("key_c", 1); c.Name = []byte(strings.Repeat("n", 2*textChunk)); tb.put(c) }, "key_c", 1, strings.Repeat("n", 2*textChunk)},
		{"and the next key is fine", func() { tb.put(check("key_d", 1)) }, "key_d", 1, "name of key_d"},
	}
	for _, s := range steps {
		s.do()
		k, ok := lookupID(t, tb, s.id)
		if s.wantVer == 0 {
			if ok {
				t.Fatalf("%s: %s still found", s.name, s.id)
			}
			if _, ok := tb.find(s.id); ok {
				t.Fatalf("%s: %s still found by id", s.name, s.id)
			}
			continue
		}
		if !ok || k.ID != s.id || k.Version != s.wantVer || k.Name != s.wantName || k.Type != model.KeyImport {
			t.Fatalf("%s: got %q v%d %q %q (found %v), want %s v%d", s.name, k.ID, k.Version, k.Type, k.Name[:min(len(k.Name), 20)], ok, s.id, s.wantVer)
		}
		if i, ok := tb.find(s.id); !ok || tb.key(i).Version != s.wantVer {
			t.Fatalf("%s: find(%s) disagrees", s.name, s.id)
		}
	}
	if tb.len() != 3 {
		t.Fatalf("len %d, want 3", tb.len())
	}
}

// Two ids with the same 64-bit hash (forced here; about 1 in 10^8 for a million
// keys) must both stay findable.
func TestKeyTableIDClash(t *testing.T) {
	tb := newKeyTable(0)
	tb.put(check("key_a", 1))
	ia, _ := tb.find("key_a")
	tb.byID[maphash.String(tb.seed, "key_b")] = ia // key_b's hash now points at key_a
	tb.put(check("key_b", 1))
	for _, id := range []string{"key_a", "key_b"} {
		i, ok := tb.find(id)
		if !ok || tb.key(i).ID != id {
			t.Fatalf("find(%s) after a clash: %v %q", id, ok, tb.key(i).ID)
		}
	}
	tb.put(check("key_b", 2))
	if i, _ := tb.find("key_b"); tb.key(i).Version != 2 {
		t.Fatal("an update of a clashing id was lost")
	}
	tb.remove("key_b")
	if _, ok := tb.find("key_b"); ok {
		t.Fatal("a removed clashing id is still found")
	}
	if _, ok := tb.find("key_a"); !ok {
		t.Fatal("removing the clashing id removed the other")
	}
}

// A full load writes byID without looking first; when two ids' hashes clash
// the later one took the earlier's entry (forced here by dropping it), and
// finishLoad makes every id findable again. (A clash of hash prefixes:
// TestKeyTableHashPrefixClash.)
func TestKeyTableFullLoadClash(t *testing.T) {
	tb := newKeyTable(0)
	for _, id := range []string{"key_a", "key_b", "key_c"} {
		tb.insert(check(id, 1), false)
	}
	delete(tb.byID, maphash.String(tb.seed, "key_b")) // what a clash with key_c leaves
	if _, ok := tb.find("key_b"); ok {
		t.Fatal("the forced clash did not lose key_b")
	}
	tb.finishLoad()
	for _, id := range []string{"key_a", "key_b", "key_c"} {
		if i, ok := tb.find(id); !ok || tb.key(i).ID != id {
			t.Fatalf("find(%s) after finishLoad: %v", id, ok)
		}
	}
	if len(tb.byID)+len(tb.idClash) != 3 {
		t.Fatalf("byID %d, idClash %d after finishLoad, want 3 in all", len(tb.byID), len(tb.idClash))
	}
}

// Two hashes with the same first 8 bytes (forced: about 1 in 10^8 for a
// million keys) must both stay findable, through puts, a full load and a
// removal, and a hash that only shares the prefix is not found.
func TestKeyTableHashPrefixClash(t *testing.T) {
	withHash := func(id string, v int64, last byte) *store.KeyCheck {
		kc := check(id, v)
		kc.Hash = make([]byte, 32)
		copy(kc.Hash, "prefix!!")
		kc.Hash[31] = last
		return kc
	}
	findAll := func(t *testing.T, tb *keyTable, what string, want map[byte]string) {
		t.Helper()
		for last, id := range want {
			var h [32]byte
			copy(h[:], "prefix!!")
			h[31] = last
			i, ok := tb.findHash(&h)
			if id == "" {
				if ok {
					t.Fatalf("%s: hash ..%02x found (%s), want none", what, last, tb.key(i).ID)
				}
				continue
			}
			if !ok || tb.key(i).ID != id {
				t.Fatalf("%s: hash ..%02x: found %v, want %s", what, last, ok, id)
			}
		}
	}

	tb := newKeyTable(0)
	tb.put(withHash("key_a", 1, 1))
	tb.put(withHash("key_b", 1, 2))
	findAll(t, tb, "put", map[byte]string{1: "key_a", 2: "key_b", 3: ""})
	tb.put(withHash("key_b", 2, 4)) // rotated to another hash of the prefix
	findAll(t, tb, "a new hash", map[byte]string{1: "key_a", 2: "", 4: "key_b"})
	tb.remove("key_a")
	findAll(t, tb, "removed", map[byte]string{1: "", 4: "key_b"})
	if tb.len() != 1 {
		t.Fatalf("len %d after the removal, want 1", tb.len())
	}

	full := newKeyTable(0)
	full.insert(withHash("key_a", 1, 1), false)
	full.insert(withHash("key_b", 1, 2), false)
	full.finishLoad()
	findAll(t, full, "full load", map[byte]string{1: "key_a", 2: "key_b", 3: ""})
}

// A time past what unix µs hold (PostgreSQL keeps them, to the year 294276)
// is the latest the index can hold, not a wrapped one: a key expiring in the
// year 294270 is not expired, one deleted then is deleted.
func TestKeyTableFarFuture(t *testing.T) {
	far := time.Date(294270, 1, 1, 0, 0, 0, 0, time.UTC)
	tb := newKeyTable(0)
	c := check("key_far", 1)
	c.ExpiresAt, c.LastUsedAt = far, &far
	tb.put(c)
	d := check("key_gone", 1)
	d.DeletedAt = &far
	tb.put(d)
	k, ok := lookupID(t, tb, "key_far")
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	if !ok || !k.ExpiresAt.After(now) || k.LastUsedAt == nil || !k.LastUsedAt.After(now) {
		t.Fatalf("key expiring in 294270 reads back as expiring %v, last used %v", k.ExpiresAt, k.LastUsedAt)
	}
	if g, ok := lookupID(t, tb, "key_gone"); !ok || g.DeletedAt == nil || !g.DeletedAt.After(now) {
		t.Fatalf("key deleted in 294270 reads back as deleted %v", g.DeletedAt)
	}
}
