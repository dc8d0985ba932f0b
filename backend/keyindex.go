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
// the index is never trusted for longer than the feed's documented bound. A
// load is trusted only once the feed has shown (store.Feed.Sync) that it
// carries every change committed after the rows were read: a feed can be cut
// before anyone knows, and a load that ended in that moment would otherwise
// serve its rows though a change committed after them is in no notice.
type keyIndex struct {
	mu    sync.RWMutex
	table *keyTable                // nil until loaded
	cur   atomic.Pointer[keyTable] // table, for the usage recorder without the lock

	started atomic.Bool // a load was started
	ready   atomic.Bool // loaded, and not cut or reloading since

	// Guarded by mu.
	cut       bool             // a NoticeCut not yet followed by a NoticeResync
	reloading bool             // a full load is running, or is started and owed
	again     bool             // another full load was asked for while one ran
	missed    map[string]int64 // key notices that came during a full load
	allow     *allowSnapshot   // what the slots' allow fields index (allowindex.go); nil: not loaded
}

func checkOf(k model.Key) store.KeyCheck {
	return store.KeyCheck{ID: []byte(k.ID), Name: []byte(k.Name), Type: []byte(k.Type), Hash: k.Hash,
		ExpiresAt: k.ExpiresAt, DeletedAt: k.DeletedAt, ReplacedBy: []byte(k.ReplacedBy),
		LastUsedAt: k.LastUsedAt, Version: k.Version}
}

// lookup answers from the index: the key, the allow-list ranges that apply to
// it (nil: not loaded), whether one has this hash, and whether the index could
// answer at all. The first lookup starts the load.
func (x *keyIndex) lookup(b *Backend, hash []byte) (k model.Key, r *model.Ranges, h slotHit, found, ok bool) {
	if !x.ready.Load() {
		if !x.started.Swap(true) {
			go func() {
				if err := b.loadIndex(context.Background()); err != nil {
					b.log.Warn("load the key index; checks read the database until it loads", "err", err)
					x.started.Store(false) // the next check tries again
				}
			}()
		}
		return model.Key{}, nil, slotHit{}, false, false
	}
	var hh [32]byte
	copy(hh[:], hash)
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := x.table.findHash(&hh)
	if !found {
		return model.Key{}, nil, slotHit{}, false, true
	}
	s := x.table.at(i)
	return x.table.key(i), x.allow.of(s), slotHit{s, x.table, i}, true, true
}

// PrepareChecks loads the key index now, so that the first checks don't read
// the database; `serve` calls it before it listens. Without it the index loads
// in the background on the first check.
func (b *Backend) PrepareChecks(ctx context.Context) error {
	x := &b.index
	x.started.Store(true)
	if err := b.loadIndex(ctx); err != nil {
		return err
	}
	if b.allow.started.CompareAndSwap(false, true) {
		if err := b.allow.load(ctx, b); err != nil {
			b.allow.started.Store(false)
			return err
		}
	}
	// A load that was already running (a first check's) does the work: wait
	// for it rather than return before the index is there.
	for {
		x.mu.RLock()
		running := x.reloading
		x.mu.RUnlock()
		if !running {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// loadIndex reads every key into fresh maps and puts them in place. Key
// notices that arrive meanwhile are noted and their keys read again after the
// swap, so a change committed while the load ran is not lost.
func (b *Backend) loadIndex(ctx context.Context) error {
	b.startFeed()
	x := &b.index
	x.mu.Lock()
	run := x.owe()
	x.mu.Unlock()
	if !run {
		return nil
	}
	return b.runLoads(ctx)
}

// owe takes the index out of service until a full load that starts from now
// has ended: it marks one running, or asks the running one for another. The
// caller holds mu, so nothing that comes after it (a check, a load ending) can
// find the index trusted; whether the caller is to run the load (runLoads).
func (x *keyIndex) owe() bool {
	x.ready.Store(false)
	if x.reloading {
		x.again = true
		return false
	}
	x.reloading, x.again, x.missed = true, false, map[string]int64{}
	return true
}

// runLoads runs the full load owe marked, and again while more are asked for.
func (b *Backend) runLoads(ctx context.Context) error {
	x := &b.index
	for {
		err := b.fullLoad(ctx)
		synced := err == nil
		if err == nil {
			// The rows are current only if the feed carries what came after
			// them: a cut it doesn't know of yet fails this, not the load.
			if err = b.store.Sync(ctx); errors.Is(err, store.ErrFeedCut) {
				synced, err = false, nil // the NoticeResync that ends the cut reloads
			}
		}
		x.mu.Lock()
		if err != nil || !x.again {
			x.reloading, x.again = false, false
			x.ready.Store(err == nil && synced && !x.cut)
			x.mu.Unlock()
			return err
		}
		x.again, x.missed = false, map[string]int64{}
		x.mu.Unlock()
	}
}

func (b *Backend) fullLoad(ctx context.Context) error {
	x := &b.index
	x.mu.RLock()
	hint := 0
	if x.table != nil {
		hint = x.table.len()
	}
	x.mu.RUnlock()
	if hint == 0 {
		// Maps made for their size from the start: grown from empty, their
		// rehashing was a third of filling the table of a million keys. A
		// count is a few milliseconds; a wrong one (keys added meanwhile, or
		// an error: 0) costs only some growth.
		hint, _ = b.store.CountKeys(ctx, store.KeyQuery{IncludeDeleted: true})
	}
	t := newKeyTable(hint)
	if err := loadTable(ctx, b.store, t); err != nil {
		return err
	}
	x.mu.Lock()
	if x.table != nil {
		// Uses this process recorded since the old table was read.
		t.carryLastUse(x.table)
	}
	x.allow.mark(t, nil)
	old := x.table
	x.table = t
	x.cur.Store(t)
	if old != nil {
		b.usage.retire(old) // its counts drained once more
	}
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

// loadTable reads every key into t, reading and inserting side by side: the
// store's rows go to an inserting goroutine in batches, so a load takes about
// the longer of the two instead of their sum (on a million keys, reading is
// three fifths of the CPU and filling the table the rest).
func loadTable(ctx context.Context, st store.Store, t *keyTable) error {
	full, free := make(chan *checkBatch, 2), make(chan *checkBatch, 3)
	for range cap(free) {
		free <- newCheckBatch()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for cb := range full {
			for i := range cb.n {
				t.insert(&cb.kcs[i].kc, false) // one snapshot: every id once
			}
			cb.reset()
			free <- cb
		}
	}()
	cb := <-free
	err := st.KeyChecks(ctx, func(kc *store.KeyCheck) error {
		if !cb.add(kc) {
			full <- cb
			cb = <-free
			cb.add(kc)
		}
		return nil
	})
	full <- cb
	close(full)
	<-done
	t.finishLoad()
	return err
}

// checkBatch is a run of KeyChecks copied out of the store's reused one, their
// text in one buffer that is never reallocated while the batch fills.
type checkBatch struct {
	kcs  []batchedCheck
	n    int
	text []byte
}

type batchedCheck struct {
	kc                store.KeyCheck
	deleted, lastUsed time.Time
}

const (
	checkBatchLen  = 4096
	checkBatchText = checkBatchLen * 128
)

func newCheckBatch() *checkBatch {
	return &checkBatch{kcs: make([]batchedCheck, checkBatchLen), text: make([]byte, 0, checkBatchText)}
}

// add copies kc into the batch; false when the batch is full (or kc's text too
// big for an empty one, which then takes it anyway).
func (cb *checkBatch) add(kc *store.KeyCheck) bool {
	need := len(kc.ID) + len(kc.Name) + len(kc.Type) + len(kc.Hash) + len(kc.ReplacedBy)
	if cb.n == len(cb.kcs) || (cb.n > 0 && len(cb.text)+need > cap(cb.text)) {
		return false
	}
	if len(cb.text)+need > cap(cb.text) { // a first key bigger than the buffer
		cb.text = make([]byte, 0, need)
	}
	bc := &cb.kcs[cb.n]
	cb.n++
	bc.kc = *kc
	bc.kc.ID, bc.kc.Name, bc.kc.Type = cb.copy(kc.ID), cb.copy(kc.Name), cb.copy(kc.Type)
	bc.kc.Hash, bc.kc.ReplacedBy = cb.copy(kc.Hash), cb.copy(kc.ReplacedBy)
	if kc.DeletedAt != nil {
		bc.deleted = *kc.DeletedAt
		bc.kc.DeletedAt = &bc.deleted
	}
	if kc.LastUsedAt != nil {
		bc.lastUsed = *kc.LastUsedAt
		bc.kc.LastUsedAt = &bc.lastUsed
	}
	return true
}

func (cb *checkBatch) copy(b []byte) []byte {
	at := len(cb.text)
	cb.text = append(cb.text, b...)
	return cb.text[at:len(cb.text):len(cb.text)]
}

// reset empties the batch for the next run.
func (cb *checkBatch) reset() {
	cb.n = 0
	cb.text = cb.text[:0]
}

// reloadKey reads one key again and puts it in the index unless the index
// already holds a newer version.
func (b *Backend) reloadKey(ctx context.Context, id string) error {
	k, err := b.store.Key(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		x := &b.index
		x.mu.Lock()
		if x.table != nil {
			x.table.remove(id)
		}
		x.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	kc := checkOf(k)
	x := &b.index
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.table != nil { // not loaded: the load will read it
		x.table.put(&kc)
	}
	return nil
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
			loaded, current := x.table != nil, false
			if loaded {
				i, ok := x.table.find(n.ID)
				current = ok && n.Version != 0 && n.Version <= x.table.at(i).version
			}
			x.mu.Unlock()
			if !loaded || current {
				continue
			}
			if err := b.reloadKey(ctx, n.ID); err != nil {
				// The index can't be trusted with this key: read everything
				// again, checks going to the store meanwhile (from now, not
				// from when the load's goroutine runs).
				b.log.Warn("read a changed key for the key index", "key", n.ID, "err", err)
				x.mu.Lock()
				run := x.owe()
				x.mu.Unlock()
				if run {
					go x.reload(b)
				}
			}
		case store.NoticeCut:
			x.mu.Lock()
			x.cut = true
			x.ready.Store(false)
			x.mu.Unlock()
		case store.NoticeResync:
			// A load running now may have read its rows before the cut: it
			// owes another, and that is settled here, under the lock, so it
			// can't end in service before the load's goroutine gets to run.
			x.mu.Lock()
			x.cut = false
			run := (x.table != nil || x.reloading) && x.owe()
			x.mu.Unlock()
			if run {
				go x.reload(b)
			}
		}
	}
}

// reload runs a full load owe marked.
func (x *keyIndex) reload(b *Backend) {
	if err := b.runLoads(context.Background()); err != nil {
		b.log.Warn("reload the key index; checks read the database until it loads", "err", err)
		x.started.Store(false)
	}
}

// used notes a use this process is about to record, so the next check of the
// key within the minute knows and records nothing.
func (x *keyIndex) used(id string, at time.Time) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.table == nil {
		return
	}
	if i, ok := x.table.find(id); ok {
		x.table.at(i).lastUsed.Store(at.UnixMicro())
	}
}
