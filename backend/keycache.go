package backend

import (
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// keyCacheTTL bounds how long a key read for authentication is trusted. Changes
// made through this backend clear the cache at once; a change made by another
// process or server instance on the same database is seen within this time. It is
// measured on the real clock, not the injected one, which only decides expiry.
const keyCacheTTL = 500 * time.Millisecond

// keyCacheSize bounds the cache; when full it starts over.
const keyCacheSize = 10_000

// keyCache keeps recently authenticated keys by secret hash, so that a busy API
// key costs one database read per keyCacheTTL instead of one per request. Only
// keys that exist are cached: an unknown secret always reaches the store.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]cachedKey
	gen     uint64           // bumped by clear, so a read that raced a change isn't cached
	now     func() time.Time // the real clock; tests replace it
}

func (c *keyCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

type cachedKey struct {
	key  model.Key
	read time.Time // real time of the read
}

func (c *keyCache) get(hash []byte) (model.Key, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || c.clock().Sub(e.read) >= keyCacheTTL {
		return model.Key{}, false
	}
	return e.key, true
}

// begin is called before a store read: it returns the time of the read and the
// generation to hand to put.
func (c *keyCache) begin() (time.Time, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock(), c.gen
}

func (c *keyCache) put(hash []byte, k model.Key, read time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= keyCacheSize {
		c.entries = make(map[string]cachedKey)
	}
	c.entries[string(hash)] = cachedKey{key: k, read: read}
}

// clear forgets every key; called after any change to keys through this backend.
func (c *keyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.gen++
}
