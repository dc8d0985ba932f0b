package backend

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestKeyCache(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &keyCache{now: func() time.Time { return now }}
	h := []byte("hash")
	read, gen := c.begin()
	c.put(h, model.Key{ID: "key_1"}, read, gen)
	if k, ok := c.get(h); !ok || k.ID != "key_1" {
		t.Fatal("a fresh entry was not served")
	}
	// Another instance's change is seen once the entry is keyCacheTTL old.
	now = now.Add(keyCacheTTL - time.Millisecond)
	if _, ok := c.get(h); !ok {
		t.Fatal("entry dropped before its TTL")
	}
	now = now.Add(time.Millisecond)
	if _, ok := c.get(h); ok {
		t.Fatal("entry served at its TTL")
	}
	// A change through this backend clears at once, and a read that started
	// before the change is not cached after it.
	read, gen = c.begin()
	c.put(h, model.Key{ID: "key_1"}, read, gen)
	stale, staleGen := c.begin()
	c.clear()
	if _, ok := c.get(h); ok {
		t.Fatal("entry survived clear")
	}
	c.put(h, model.Key{ID: "key_1"}, stale, staleGen)
	if _, ok := c.get(h); ok {
		t.Fatal("a read from before the change was cached after it")
	}
	if keyCacheTTL >= time.Second {
		t.Fatal("other instances must see a deletion within one second")
	}
}
