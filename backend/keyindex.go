package backend

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// keyIndex holds every key (tombstones too, so a deleted key is refused as
// deleted, not unknown) by the hash of its secret, with what a check needs. It
// is loaded once, then kept current by the change feed: a change through this
// process is in the index when the call that made it returns; one made
// elsewhere as soon as the feed brings it (SQLite: within ~25 ms; PostgreSQL: one
// NOTIFY round trip).
//
// Until it is loaded, and whenever the feed is cut (PostgreSQL unreachable)
// until the reload that follows has finished, checks read the store instead:
// the index is never trusted for longer than the feed's documented bound.
type keyIndex struct {
	mu     sync.RWMutex
	byHash map[[32]byte]*indexed
	byID   map[string]*indexed

	started atomic.Bool // a load was started
	ready   atomic.Bool // loaded, and not cut or reloading since

	// Guarded by mu.
	cut       bool             // a NoticeCut not yet followed by a NoticeResync
	reloading bool             // a full load is running
	again     bool             // another full load was asked for while one ran
	missed    map[string]int64 // key notices that came during a full load
}

// indexed is one key as the index holds it. Immutable once in the maps but for
// lastUsed: a change replaces the whole entry.
type indexed struct {
	hash       [32]byte
	id, name   string
	typ        model.KeyType
	replacedBy string
	expires    int64        // unix µs
	deleted    int64        // unix µs; 0: not deleted
	version    int64        //
	lastUsed   atomic.Int64 // unix µs; 0: never, as far as this process knows
}

func newIndexed(kc *store.KeyCheck) (*indexed, bool) {
	if len(kc.Hash) != 32 {
		return nil, false
	}
	e := &indexed{id: kc.ID, name: kc.Name, typ: internType(kc.Type), replacedBy: kc.ReplacedBy,
		expires: kc.ExpiresAt.UnixMicro(), version: kc.Version}
	copy(e.hash[:], kc.Hash)
	if kc.DeletedAt != nil {
		e.deleted = max(kc.DeletedAt.UnixMicro(), 1)
	}
	if kc.LastUsedAt != nil {
		e.lastUsed.Store(kc.LastUsedAt.UnixMicro())
	}
	return e, true
}

// internType shares the type names of model.KeyTypes instead of a copy per key.
func internType(t model.KeyType) model.KeyType {
	for _, k := range model.KeyTypes {
		if k == t {
			return k
		}
	}
	return t
}

func checkOf(k model.Key) store.KeyCheck {
	return store.KeyCheck{ID: k.ID, Name: k.Name, Type: k.Type, Hash: k.Hash, ExpiresAt: k.ExpiresAt,
		DeletedAt: k.DeletedAt, ReplacedBy: k.ReplacedBy, LastUsedAt: k.LastUsedAt, Version: k.Version}
}

// key is what a check hands on: the fields the index keeps.
func (e *indexed) key() model.Key {
	k := model.Key{ID: e.id, Name: e.name, Type: e.typ, Hash: e.hash[:], ExpiresAt: time.UnixMicro(e.expires).UTC(),
		ReplacedBy: e.replacedBy, Version: e.version}
	if e.deleted != 0 {
		t := time.UnixMicro(e.deleted).UTC()
		k.DeletedAt = &t
	}
	if u := e.lastUsed.Load(); u != 0 {
		t := time.UnixMicro(u).UTC()
		k.LastUsedAt = &t
	}
	return k
}

// lookup answers from the index: the entry (nil if no key has this hash) and
// whether the index could answer at all. The first lookup starts the load.
func (x *keyIndex) lookup(b *Backend, hash []byte) (*indexed, bool) {
	if !x.ready.Load() {
		if !x.started.Swap(true) {
			go func() {
				if err := b.loadIndex(context.Background()); err != nil {
					b.log.Warn("load the key index; checks read the database until it loads", "err", err)
					x.started.Store(false) // the next check tries again
				}
			}()
		}
		return nil, false
	}
	var h [32]byte
	copy(h[:], hash)
	x.mu.RLock()
	e := x.byHash[h]
	x.mu.RUnlock()
	return e, true
}

// PrepareChecks loads the key index now, so that the first checks don't read
// the database; `serve` calls it before it listens. Without it the index loads
// in the background on the first check.
func (b *Backend) PrepareChecks(ctx context.Context) error {
	b.index.started.Store(true)
	return b.loadIndex(ctx)
}

// loadIndex reads every key into fresh maps and puts them in place. Key
// notices that arrive meanwhile are noted and their keys read again after the
// swap, so a change committed while the load ran is not lost.
func (b *Backend) loadIndex(ctx context.Context) error {
	b.startFeed()
	x := &b.index
	x.mu.Lock()
	if x.reloading {
		x.again = true
		x.mu.Unlock()
		return nil
	}
	x.reloading, x.missed = true, map[string]int64{}
	x.ready.Store(false)
	x.mu.Unlock()
	for {
		err := b.fullLoad(ctx)
		x.mu.Lock()
		if err != nil || !x.again {
			x.reloading = false
			x.ready.Store(err == nil && !x.cut)
			x.mu.Unlock()
			return err
		}
		x.again, x.missed = false, map[string]int64{}
		x.mu.Unlock()
	}
}

func (b *Backend) fullLoad(ctx context.Context) error {
	x := &b.index
	byHash := make(map[[32]byte]*indexed, len(x.byHash))
	byID := make(map[string]*indexed, len(x.byID))
	err := b.store.KeyChecks(ctx, func(kc *store.KeyCheck) error {
		if e, ok := newIndexed(kc); ok {
			byHash[e.hash], byID[e.id] = e, e
		}
		return nil
	})
	if err != nil {
		return err
	}
	x.mu.Lock()
	x.byHash, x.byID = byHash, byID
	missed := x.missed
	x.missed = map[string]int64{}
	x.mu.Unlock()
	for id := range missed {
		if err := b.reloadKey(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// reloadKey reads one key again and puts it in the index unless the index
// already holds a newer version.
func (b *Backend) reloadKey(ctx context.Context, id string) error {
	k, err := b.store.Key(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		x := &b.index
		x.mu.Lock()
		if e := x.byID[id]; e != nil {
			delete(x.byID, id)
			delete(x.byHash, e.hash)
		}
		x.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	kc := checkOf(k)
	e, ok := newIndexed(&kc)
	if !ok {
		return nil
	}
	b.index.put(e)
	return nil
}

func (x *keyIndex) put(e *indexed) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byID == nil {
		return // not loaded: the load will read it
	}
	if old := x.byID[e.id]; old != nil {
		if old.version > e.version {
			return
		}
		if u := old.lastUsed.Load(); u > e.lastUsed.Load() {
			e.lastUsed.Store(u)
		}
		delete(x.byHash, old.hash)
	}
	x.byID[e.id], x.byHash[e.hash] = e, e
}

// apply brings the index up to date with notices. A key notice at a version
// the index holds already (a last-use write) costs a map look-up; any other is
// one read of that key.
func (x *keyIndex) apply(b *Backend, ns []Notice) {
	ctx := context.Background()
	for _, n := range ns {
		switch n.Kind {
		case store.NoticeKey:
			x.mu.Lock()
			if x.reloading {
				x.missed[n.ID] = n.Version
			}
			old := x.byID[n.ID]
			loaded := x.byID != nil
			x.mu.Unlock()
			if !loaded || (old != nil && n.Version != 0 && n.Version <= old.version) {
				continue
			}
			if err := b.reloadKey(ctx, n.ID); err != nil {
				// The index can't be trusted with this key: read everything
				// again, checks going to the store meanwhile.
				b.log.Warn("read a changed key for the key index", "key", n.ID, "err", err)
				go x.reload(b)
			}
		case store.NoticeCut:
			x.mu.Lock()
			x.cut = true
			x.ready.Store(false)
			x.mu.Unlock()
		case store.NoticeResync:
			x.mu.Lock()
			x.cut = false
			loaded := x.byID != nil || x.reloading
			x.mu.Unlock()
			if loaded {
				x.ready.Store(false)
				go x.reload(b)
			}
		}
	}
}

func (x *keyIndex) reload(b *Backend) {
	if err := b.loadIndex(context.Background()); err != nil {
		b.log.Warn("reload the key index; checks read the database until it loads", "err", err)
		x.started.Store(false)
	}
}

// used notes a use this process is about to record, so the next check of the
// key within the minute knows and records nothing.
func (x *keyIndex) used(id string, at time.Time) {
	x.mu.RLock()
	e := x.byID[id]
	x.mu.RUnlock()
	if e != nil {
		e.lastUsed.Store(at.UnixMicro())
	}
}
