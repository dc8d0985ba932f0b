package backend

import (
	"context"
	"errors"
	"hash/maphash"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Last uses, addresses and usage counts (SPEC §12) are written in batches:
// everything recorded within usageInterval (or the first usageBatch new last
// uses, whichever fills first) is appended to the store's usage journal as one
// row (store.AppendUsage, backend/store/journal.go), one sequential insert. A
// process killed with -9 loses at most the last usageInterval, 100 ms (plus
// the batch being committed): such a key keeps its older last use and those
// checks go uncounted.
//
// A compaction (store.CompactUsage) folds the journal into the keys' last
// uses, addresses and counts, key by key in order: every
// usageCompactInterval while this process has appended rows not yet folded
// (so once more a minute after checks stop), and on Flush (serve's shutdown).
// Until then readers (KeyUsage, UsageTotals, KeyAddresses, "last used" in
// lists and other processes' key indexes) see the store as of the last
// compaction: at most usageCompactInterval, a minute, behind (this process's
// own key index knows its last uses at once). Any compaction folds every
// process's rows, so the rows of one killed with -9 are folded by the next
// compaction of any process that checks keys or flushes.
//
// With 100,000 keys each in use, a real `serve` that wrote every batch into
// api_keys, key_addresses and key_usage directly spent 47% of its CPU on those
// writes: an update per key per minute and an upsert per key each second,
// scattered over three B-trees, every page rewritten into the WAL. A minute of
// journal is folded with each key's page written once.
//
// The once-a-minute compaction runs paced (store.Duty): at most foldSlice of
// work at a time and at most foldShare of one core, so that a busy minute's
// fold (4.6 s of CPU over 100,000 keys in use) never takes a core from the
// checks for seconds on end. Flush, at shutdown, folds unpaced.
const (
	usageInterval        = 100 * time.Millisecond
	usageBatch           = 1000
	usageCompactInterval = time.Minute

	foldSlice = 2 * time.Millisecond
	foldShare = 0.5
)

// usageRecorder batches last-use writes and check counts so that a request
// never waits for one, and a key used a thousand times a minute is written once.
// It records each distinct (key, client address) at most once a minute, so a
// key's second address reaches the store's addresses (SPEC §10) although its
// last use was written a moment ago; and it counts every check of a known key,
// exactly once, by workspace day and result.
//
// A check takes no lock: in the steady state it is a lock-free sync.Map load
// and an atomic add (a count), and a load and a compare (a last use already
// recorded this minute). A new entry takes sync.Map's per-node lock once. The
// drain swaps the counters to zero; an entry it removes is marked dead first,
// and a check that finds its entry dead moves what it added to a fresh one, so
// no check is lost or counted twice between them.
type usageRecorder struct {
	mu       sync.Mutex
	pending  map[keyAddr]time.Time // guarded by mu: uses to write
	written  map[keyAddr]time.Time // guarded by mu: last write per key and address by this process
	counts   sync.Map              // usageKey → *usageCounter
	day      atomic.Pointer[usageDay]
	newUses  atomic.Int64 // last uses recorded since the last drain
	dirty    atomic.Bool  // something was recorded since the loop last looked
	running  atomic.Bool  // a loop goroutine runs
	fullOnce sync.Once
	full     chan struct{} // a batch is full: write it now
	writeMu  sync.Mutex    // one drain at a time, so Flush sees earlier drains finish

	hurry     atomic.Bool // a Flush waits for compactMu: a running fold stops pausing
	compactMu sync.Mutex
	compacted time.Time // guarded by compactMu: the last compaction (wall clock)
	appended  bool      // guarded by compactMu: a batch was appended since

	retMu   sync.Mutex
	retired []*keyTable // tables a full load replaced: drained once more
}

// retire hands the recorder a table the index no longer uses.
func (u *usageRecorder) retire(t *keyTable) {
	u.retMu.Lock()
	u.retired = append(u.retired, t)
	u.retMu.Unlock()
}

// usageResults are the results a slot counts: a use, then each refusal of a
// known key.
const usageResults = 5

var usageReasons = [usageResults]string{"", ReasonExpired, ReasonRevoked, ReasonWrongType, ReasonIPNotAllowed}

func resultOf(reason string) int {
	for i, r := range usageReasons {
		if r == reason {
			return i
		}
	}
	return -1
}

// slotHit is where the key index found a checked key: its slot, in which
// table. Zero when the check read the store (the index not loaded).
type slotHit struct {
	s *slot
	t *keyTable
	i uint32 // s is t.at(i)
}

// addrSeed hashes client addresses for a slot's last recorded address.
var addrSeed = maphash.MakeSeed()

// addrHash is a client address's hash for a slot's last recorded address:
// the address's 16 bytes, or the text of what isn't one.
func addrHash(addr string, client netip.Addr) uint64 {
	if !client.IsValid() {
		return maphash.String(addrSeed, addr)
	}
	b := client.As16()
	return maphash.Bytes(addrSeed, b[:])
}

// keyAddr is one key used from one client address (normalAddr).
type keyAddr struct{ id, addr string }

// usageWrittenMax bounds the recorder's memory of what it wrote: past it, it
// forgets, and the store's own once-a-minute rule for last use still holds (an
// address counts once more).
const usageWrittenMax = 100_000

// usageKey is one key's checks with one result on one workspace day.
type usageKey struct{ id, day, reason string }

type usageCounter struct {
	n    atomic.Int64
	dead atomic.Bool
	idle int // drains in a row that found nothing; the drain's own (writeMu)
}

// usageDay is the workspace day checks count on now, and its bounds.
type usageDay struct {
	day, prev string // today and the day before
	parity    int    // of today's number since the epoch: a slot's counts for it
	from, to  int64  // unix µs
}

// today is the day a check at now counts on, in the workspace zone; the day's
// text is made once a day, not per check.
func (u *usageRecorder) today(b *Backend, now time.Time) *usageDay {
	us := now.UnixMicro()
	if d := u.day.Load(); d != nil && us >= d.from && us < d.to {
		return d
	}
	loc := b.policy.Loc()
	date := model.DateOf(now, loc)
	num := time.Date(date.Year, date.Month, date.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	d := &usageDay{day: date.String(), prev: date.AddDays(-1).String(), parity: int(num & 1),
		from: date.Start(loc).UnixMicro(), to: date.AddDays(1).Start(loc).UnixMicro()}
	u.day.Store(d)
	return d
}

// count counts one check of a known key: reason "" a use, else the refusal. A
// key that isn't known (malformed, unknown) has no id and isn't counted.
//
// A key the index found counts on its slot: an atomic add, no map, no lock.
// The slot's counts are kept by day parity: the drain, 100 ms later, knows
// today's from yesterday's (a check delayed past the next midnight but one
// would count on the wrong day). A check that finds its table replaced by a
// full load meanwhile takes back what it added and counts it in the map, so
// the table's last drain and it never both count it.
func (u *usageRecorder) count(b *Backend, now time.Time, id, reason string, hit slotHit) {
	if id == "" {
		return
	}
	d := u.today(b, now)
	if r := resultOf(reason); hit.s != nil && r >= 0 {
		c := &hit.s.counts[d.parity][r]
		c.Add(1)
		if !hit.s.counted.Load() && hit.s.counted.CompareAndSwap(false, true) {
			hit.t.noteCounted(hit.i)
		}
		if b.index.cur.Load() != hit.t {
			if n := c.Swap(0); n != 0 {
				u.add(usageKey{id, d.day, reason}, int64(n))
			}
		}
	} else {
		u.add(usageKey{id, d.day, reason}, 1)
	}
	u.wake(b)
}

func (u *usageRecorder) add(key usageKey, n int64) {
	for n != 0 {
		v, ok := u.counts.Load(key)
		if !ok {
			v, _ = u.counts.LoadOrStore(key, &usageCounter{})
		}
		c := v.(*usageCounter)
		c.n.Add(n)
		if !c.dead.Load() {
			return
		}
		// A drain took this entry out; what it didn't take goes to a new one.
		n = c.n.Swap(0)
	}
}

// record notes a successful use for its last use and address: addr as the
// client gave it, client as model.ClientAddr read it.
func (u *usageRecorder) record(b *Backend, now time.Time, k model.Key, addr string, client netip.Addr, hit slotHit) {
	us := now.UnixMicro()
	// The common case: this key's last recorded use, this minute, was from
	// this address. Two atomic loads on its slot, and no address as text.
	var ah uint64
	if hit.s != nil {
		ah = addrHash(addr, client)
		if hit.s.addrHash.Load() == ah && us-hit.s.addrAt.Load() < time.Minute.Microseconds() {
			return
		}
	}
	ka := keyAddr{k.ID, normalAddr(addr, client)}
	// Else the map of what this process recorded, under its mutex: once a
	// minute per key and address, or on every check of a key used from
	// several addresses in turn.
	u.mu.Lock()
	if last, ok := u.written[ka]; ok && now.Sub(last) < time.Minute {
		u.mu.Unlock()
		if hit.s != nil {
			hit.s.addrHash.Store(ah)
			hit.s.addrAt.Store(last.UnixMicro())
		}
		return
	}
	if u.pending == nil {
		u.pending, u.written = map[keyAddr]time.Time{}, map[keyAddr]time.Time{}
	}
	if len(u.written) >= usageWrittenMax {
		clear(u.written)
	}
	u.written[ka] = now
	u.pending[ka] = now
	u.mu.Unlock()
	if hit.s != nil {
		hit.s.addrHash.Store(ah)
		hit.s.addrAt.Store(us)
	}
	// The key's last use as the index holds it may be this very minute's, from
	// another address, or from another process: then only the address is news.
	if !(k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < time.Minute) {
		b.index.used(k.ID, now)
	}
	if u.newUses.Add(1) == usageBatch {
		select {
		case u.fullCh() <- struct{}{}:
		default:
		}
	}
	u.wake(b)
}

func (u *usageRecorder) fullCh() chan struct{} {
	u.fullOnce.Do(func() { u.full = make(chan struct{}, 1) })
	return u.full
}

// wake starts the loop unless it runs. The loop clears dirty before it looks
// and stops only when, after stopping, nothing set it again.
func (u *usageRecorder) wake(b *Backend) {
	if !u.dirty.Load() {
		u.dirty.Store(true)
	}
	if !u.running.Load() && u.running.CompareAndSwap(false, true) {
		go u.loop(b)
	}
}

func (u *usageRecorder) loop(b *Backend) {
	t := time.NewTimer(usageInterval)
	defer t.Stop()
	full := u.fullCh()
	ctx := context.Background()
	for {
		select {
		case <-t.C:
		case <-full:
		}
		u.dirty.Store(false)
		wrote, _ := u.drain(ctx, b)   // logged there
		unfolded := u.compact(ctx, b) // logged there
		// Stop only after a drain of everything found nothing and nothing
		// this process appended waits for its compaction.
		if !wrote && !unfolded {
			u.running.Store(false)
			if !u.dirty.Load() || !u.running.CompareAndSwap(false, true) {
				return
			}
		}
		t.Reset(usageInterval)
	}
}

// compact folds the store's usage journal if this process appended since its
// last compaction and that was usageCompactInterval ago: once a minute, while
// checks come and once more after they stop, so that the folds are of a
// minute each (a key checked ten times in it is one count written) and an
// idle process leaves nothing of its own unfolded. Whether something this
// process appended is still to fold.
func (u *usageRecorder) compact(ctx context.Context, b *Backend) (unfolded bool) {
	u.compactMu.Lock()
	defer u.compactMu.Unlock()
	if u.appended && time.Since(u.compacted) >= usageCompactInterval {
		pace := &foldPacer{duty: store.Duty{Slice: foldSlice, Share: foldShare}, hurry: &u.hurry}
		_ = u.compactLocked(ctx, b, pace) // logged there
	}
	return u.appended
}

func (u *usageRecorder) compactLocked(ctx context.Context, b *Backend, pace store.Pacer) error {
	u.compacted, u.appended = time.Now(), false
	if _, err := b.store.CompactUsage(ctx, pace); err != nil {
		// The rows stay in the journal for the next compaction.
		u.appended = true
		b.log.Warn("compact key usage", "err", err)
		return err
	}
	return nil
}

// drain appends what was recorded to the journal: whether there was anything.
func (u *usageRecorder) drain(ctx context.Context, b *Backend) (bool, error) {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	u.newUses.Store(0)
	now := b.Now()
	u.mu.Lock()
	batch := u.pending
	u.pending = map[keyAddr]time.Time{}
	u.mu.Unlock()
	uses := make([]store.KeyUse, 0, len(batch))
	for ka, at := range batch {
		uses = append(uses, store.KeyUse{ID: ka.id, At: at, Addr: ka.addr})
	}
	sums := map[usageKey]int64{}
	u.drainCounts(b, now, sums)
	if len(uses) == 0 && len(sums) == 0 {
		return false, nil
	}
	return true, u.write(ctx, b, now, uses, sums)
}

// drainCounts takes every count into sums: the slots', then the map's.
func (u *usageRecorder) drainCounts(b *Backend, now time.Time, sums map[usageKey]int64) {
	d := u.today(b, now)
	today := d.day
	u.retMu.Lock()
	retired := u.retired
	u.retired = nil
	u.retMu.Unlock()
	for _, t := range retired {
		drainSlots(t, d, sums)
	}
	if x := &b.index; x.cur.Load() != nil {
		x.mu.RLock()
		drainSlots(x.table, d, sums)
		x.mu.RUnlock()
	}
	u.counts.Range(func(k, v any) bool {
		key, c := k.(usageKey), v.(*usageCounter)
		if n := c.n.Swap(0); n != 0 {
			sums[key] += n
			c.idle = 0
		} else {
			c.idle++
		}
		if c.idle >= 2 || key.day != today {
			c.dead.Store(true)
			u.counts.CompareAndDelete(key, c)
			if n := c.n.Swap(0); n != 0 {
				sums[key] += n
			}
		}
		return true
	})
}

func (u *usageRecorder) write(ctx context.Context, b *Backend, now time.Time, uses []store.KeyUse, sums map[usageKey]int64) error {
	counts := make([]store.UsageCount, 0, len(sums))
	for k, n := range sums {
		counts = append(counts, store.UsageCount{KeyID: k.id, Day: k.day, Reason: k.reason, N: n})
	}
	// Oldest first: of a key's uses within one minute, the first sets its
	// last use (the store's once-a-minute rule), as one by one would.
	slices.SortFunc(uses, func(a, b store.KeyUse) int { return a.At.Compare(b.At) })
	batch := store.UsageBatch{Uses: uses, Counts: counts,
		KeepFrom: model.UsageFrom(now, b.policy.Loc(), model.UsageKeptDays)}
	if err := b.store.AppendUsage(ctx, batch); err != nil {
		b.log.Warn("record key uses", "keys", len(uses), "counts", len(counts), "err", err)
		// The counts are kept for the next batch: counting stays exact
		// through a store that fails for a while. Last uses are dropped.
		for k, n := range sums {
			u.add(k, n)
		}
		return err
	}
	u.compactMu.Lock()
	if !u.appended && u.compacted.IsZero() {
		u.compacted = time.Now() // the first fold a minute after the first row
	}
	u.appended = true
	u.compactMu.Unlock()
	return nil
}

// drainSlots takes the counts of every slot counted on since the last drain
// into sums. The flag first: a check that adds after the swap sets it again,
// and notes its slot for the next drain.
func drainSlots(t *keyTable, d *usageDay, sums map[usageKey]int64) {
	for _, i := range t.takeCounted() {
		s := t.at(i)
		s.counted.Store(false)
		id := ""
		for p := range s.counts {
			day := d.day
			if p != d.parity {
				day = d.prev
			}
			for r := range s.counts[p] {
				if n := s.counts[p][r].Swap(0); n != 0 {
					if id == "" {
						id = string(t.id(s))
					}
					sums[usageKey{id, day, usageReasons[r]}] += int64(n)
				}
			}
		}
	}
}

// Flush writes recorded key uses and counts now and folds the usage journal
// (every process's rows), for shutdown and tests: after it, the store's
// readers see every check recorded before it.
func (b *Backend) Flush(ctx context.Context) error {
	_, err := b.usage.drain(ctx, b)
	u := &b.usage
	u.hurry.Store(true)
	defer u.hurry.Store(false)
	u.compactMu.Lock()
	defer u.compactMu.Unlock()
	return errors.Join(err, u.compactLocked(ctx, b, nil))
}

// foldPacer paces the background compaction, unless a Flush is waiting for it.
type foldPacer struct {
	duty  store.Duty
	hurry *atomic.Bool
}

func (p *foldPacer) Pause(ctx context.Context) {
	if !p.hurry.Load() {
		p.duty.Pause(ctx)
	}
}
