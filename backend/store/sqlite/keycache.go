package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// keyCache keeps the last full key list read outside a transaction. Reading
// 10,000 keys costs tens of milliseconds in the pure-Go driver (each column of
// each row is a call into transpiled C), while the list is read far more often
// than any key changes: every API Keys page, reload and `keys list`.
//
// It is never stale: before each use it reads PRAGMA data_version on a
// connection of its own, which changes whenever any other connection — this
// store's writer, or another process on the same file — has committed since.
type keyCache struct {
	mu      sync.Mutex
	watch   *sql.Conn // only ever runs PRAGMA data_version
	version int64
	keys    []model.Key // every key, tombstones included, newest first; nil: not loaded
}

func newKeyCache(ctx context.Context, db *sql.DB) (*keyCache, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: key cache connection: %w", err)
	}
	return &keyCache{watch: c}, nil
}

func (c *keyCache) close() error { return c.watch.Close() }

// Keys lists keys newest first, from the cache when nothing was committed since
// it was filled. The version is read before the list, so a commit landing in
// between leaves a newer list under an older version: the next call reloads.
func (s *Store) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	var v int64
	if err := c.watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return nil, wrap("check for changes", err)
	}
	if c.keys == nil || v != c.version {
		keys, err := s.reader.Keys(ctx, store.KeyQuery{IncludeDeleted: true})
		if err != nil {
			return nil, err
		}
		c.keys, c.version = keys, v
	}
	return copyKeys(c.keys, q.IncludeDeleted), nil
}

// copyKeys gives the caller keys it may change without touching the cache. The
// hashes and times behind pointers share one allocation each.
func copyKeys(src []model.Key, includeDeleted bool) []model.Key {
	n, times := 0, 0
	for i := range src {
		if includeDeleted || src[i].DeletedAt == nil {
			n++
			if src[i].LastUsedAt != nil {
				times++
			}
			if src[i].DeletedAt != nil {
				times++
			}
		}
	}
	out := make([]model.Key, 0, n)
	timeArena := make([]time.Time, 0, times)
	hashArena := make([]byte, 0, n*32)
	for _, k := range src {
		if !includeDeleted && k.DeletedAt != nil {
			continue
		}
		if k.LastUsedAt != nil {
			timeArena = append(timeArena, *k.LastUsedAt)
			k.LastUsedAt = &timeArena[len(timeArena)-1]
		}
		if k.DeletedAt != nil {
			timeArena = append(timeArena, *k.DeletedAt)
			k.DeletedAt = &timeArena[len(timeArena)-1]
		}
		if k.Hash != nil {
			start := len(hashArena)
			hashArena = append(hashArena, k.Hash...)
			k.Hash = hashArena[start:len(hashArena):len(hashArena)]
		}
		out = append(out, k)
	}
	return out
}
