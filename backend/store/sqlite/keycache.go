package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
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
//
// After a commit it reads only what changed: triggers (migration 0002) stamp
// every inserted or updated key row with the next number of change_seq.keys, so
// the rows stamped above the last number the cache saw are exactly the keys that
// changed since. What a row stamp can't express — a member added, removed or
// renamed (their name shows on every key they created or edited), a key row
// physically deleted — moves change_seq.epoch, and the cache reads everything.
//
// Last uses are not edits and carry no change stamp (migration 0005): each
// TouchKeys transaction stamps its rows with the next change_seq.uses in
// use_seq instead, and the cache reads rows above either number, so "Last used"
// is as fresh as everything else in the list.
type keyCache struct {
	mu      sync.Mutex
	watch   *sql.Conn // only ever runs PRAGMA data_version
	version int64
	seq     int64       // change_seq.keys as of keys: every row stamped up to it is in keys
	uses    int64       // change_seq.uses as of keys, likewise for use_seq
	epoch   int64       // change_seq.epoch as of keys
	keys    []model.Key // every key, tombstones included, newest first; nil: not loaded
	loads   cacheLoads
}

// cacheLoads counts how the cache was filled, for tests that must know the
// incremental path really ran.
type cacheLoads struct{ full, delta int }

// maxDelta is the most changed rows merged into the cached list; above it a full
// read costs about the same and the merge is no longer worth its code path.
const maxDelta = 1000

// changedKeysQuery reads the keys edited or used since two stamps, at most a
// limit; SQLite answers the OR from the change_seq and use_seq indexes. No ORDER
// BY: with one the planner walks the list-order index over every key instead of
// the two indexes over the few changed ones; mergeKeys sorts.
const changedKeysQuery = keyColumns + ` WHERE k.change_seq > ? OR k.use_seq > ? LIMIT ?`

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
// between leaves a newer list under an older version: the next call refreshes
// again, finding nothing or that commit's rows.
func (s *Store) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	var v int64
	if err := c.watch.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return nil, wrap("check for changes", err)
	}
	if c.keys == nil || v != c.version {
		if err := s.refreshKeys(ctx); err != nil {
			return nil, err
		}
		c.version = v
	}
	return copyKeys(c.keys, q.IncludeDeleted), nil
}

// refreshKeys brings the cached list up to date. The counters and the rows are
// read in one read transaction, so the rows are exactly those the counters
// describe. The cache changes only once everything was read: an error leaves it
// as it was, still consistent with its seq and epoch.
func (s *Store) refreshKeys(ctx context.Context) error {
	c := s.cache
	var seq, uses, epoch int64
	var full, delta []model.Key
	err := s.reader.snapshot(ctx, func(q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT keys, uses, epoch FROM change_seq`).Scan(&seq, &uses, &epoch); err != nil {
			return wrap("read change sequence", err)
		}
		if c.keys != nil && epoch == c.epoch {
			switch {
			case seq == c.seq && uses == c.uses:
				return nil // a commit that changed no key: an audit event, a role
			case seq >= c.seq && uses >= c.uses:
				var err error
				delta, err = scanKeys(ctx, q, 0, changedKeysQuery, c.seq, c.uses, maxDelta+1)
				if err != nil || len(delta) <= maxDelta {
					return err
				}
			}
			// A sequence that went back is another database (a restored
			// file): nothing cached can be trusted.
		}
		var err error
		full, err = listKeys(ctx, q, true)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case full != nil:
		c.keys = full
		c.loads.full++
	case delta != nil:
		c.keys = mergeKeys(c.keys, delta)
		c.loads.delta++
	}
	c.seq, c.uses, c.epoch = seq, uses, epoch
	return nil
}

// newer reports whether a comes before b in list order: CreatedAt, then ID,
// descending.
func newer(a, b *model.Key) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// mergeKeys applies changed keys (in any order) to the cached list (in list
// order) and returns the list, keeping the order. A key's place is found by
// binary search on its (CreatedAt, ID), which no store call changes: a key found
// there is replaced in place. Any other changed key is new — or, if something
// outside the store rewrote its created_at, moved — so the list is merged anew
// without the old copies of those ids.
func mergeKeys(cached, changed []model.Key) []model.Key {
	slices.SortFunc(changed, func(a, b model.Key) int {
		if newer(&a, &b) {
			return -1
		}
		return 1 // ids are unique: never equal
	})
	var added []model.Key
	for i := range changed {
		k := &changed[i]
		at := sort.Search(len(cached), func(j int) bool { return !newer(&cached[j], k) })
		if at < len(cached) && cached[at].ID == k.ID {
			cached[at] = *k
			continue
		}
		added = append(added, *k)
	}
	if len(added) == 0 {
		return cached
	}
	ids := make(map[string]struct{}, len(added))
	for _, k := range added {
		ids[k.ID] = struct{}{}
	}
	merged := make([]model.Key, 0, len(cached)+len(added))
	i := 0
	for _, k := range added {
		for ; i < len(cached) && newer(&cached[i], &k); i++ {
			if _, moved := ids[cached[i].ID]; !moved {
				merged = append(merged, cached[i])
			}
		}
		merged = append(merged, k)
	}
	for ; i < len(cached); i++ {
		if _, moved := ids[cached[i].ID]; !moved {
			merged = append(merged, cached[i])
		}
	}
	return merged
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
