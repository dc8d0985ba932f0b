package backend

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// keyTable is the key index's storage, built without a single pointer per key:
// slots live in fixed chunks, their text (id, name, replaced-by) in byte chunks,
// and the maps hold slot numbers. The garbage collector then has nothing to
// scan in it; with a pointer-rich layout (an entry and two strings per key)
// marking the growing index took a third of the time of loading it, and each
// key cost ~275 bytes instead of ~200.
//
// A changed key gets a new slot; the old one stays unused until the next full
// load builds a fresh table. Changes are admin actions, so that is little.
type keyTable struct {
	seed maphash.Seed
	// byHash is by the first 8 bytes of the hash (of SHA-256: uniform); the
	// slot's hash is compared. Keyed by the whole [32]byte, each entry took
	// 36 bytes and a full load's writes into it were a third of its CPU.
	byHash    map[uint64]uint32
	hashClash map[[32]byte]uint32 // hashes whose first 8 bytes another's has; nearly always empty
	byID      map[uint64]uint32   // by maphash of the id; the slot's id is compared
	idClash   map[string]uint32   // ids whose 64-bit hash another id has; nearly always empty
	slots     [][]slot            // chunks of slotChunk, allocated once each, never moved
	n         uint32              // slots used
	text      [][]byte            // chunks filled up to their capacity, never moved
	scratch   []byte

	// The slots whose counted flag a check set since the usage drain last
	// took them, so that a drain costs what was checked, not the table: a
	// walk over every slot, 25 times a second as batches fill, was 3% of
	// serve's CPU at 100k keys and grew with the table.
	countedMu sync.Mutex
	counted   []uint32
}

const (
	slotChunk = 4096
	textShift = 20 // a text reference: chunk<<textShift | offset
	textChunk = 1 << textShift
)

// slot is one key. No pointers, so chunks of them are never scanned.
type slot struct {
	hash                      [32]byte
	expires, deleted, version int64        // unix µs; deleted 0: not deleted
	lastUsed                  atomic.Int64 // unix µs; 0: never, as far as this process knows
	text                      uint32
	idLen, nameLen, replLen   uint32
	allow                     uint32 // the key's own allow lists: 1+index in allowSnapshot.sets; 0: none
	typ                       uint8  // index in model.KeyTypes, or noType

	// The usage recorder's (usage.go): checks by workspace-day parity and
	// result, whether they hold any the drain hasn't taken, and the address
	// and time of the last use recorded.
	counts   [2][usageResults]atomic.Uint32
	counted  atomic.Bool
	addrHash atomic.Uint64
	addrAt   atomic.Int64 // unix µs
}

const noType = 255

func newKeyTable(sizeHint int) *keyTable {
	return &keyTable{seed: maphash.MakeSeed(), byHash: make(map[uint64]uint32, sizeHint),
		byID: make(map[uint64]uint32, sizeHint)}
}

func (t *keyTable) at(i uint32) *slot { return &t.slots[i/slotChunk][i%slotChunk] }

func (t *keyTable) len() int { return len(t.byHash) + len(t.hashClash) }

func hashPrefix(h *[32]byte) uint64 { return binary.LittleEndian.Uint64(h[:8]) }

// findHash returns the slot of the key with this hash.
func (t *keyTable) findHash(h *[32]byte) (uint32, bool) {
	if len(t.hashClash) > 0 {
		if i, ok := t.hashClash[*h]; ok {
			return i, true
		}
	}
	i, ok := t.byHash[hashPrefix(h)]
	if !ok || t.at(i).hash != *h {
		return 0, false
	}
	return i, true
}

// setHash points h at slot i, unless h's prefix is another hash's.
func (t *keyTable) setHash(h *[32]byte, i uint32) {
	if _, ok := t.hashClash[*h]; ok {
		t.hashClash[*h] = i
		return
	}
	p := hashPrefix(h)
	if j, ok := t.byHash[p]; ok && t.at(j).hash != *h {
		if t.hashClash == nil {
			t.hashClash = map[[32]byte]uint32{}
		}
		t.hashClash[*h] = i
		return
	}
	t.byHash[p] = i
}

func (t *keyTable) removeHash(h *[32]byte) {
	if _, ok := t.hashClash[*h]; ok {
		delete(t.hashClash, *h)
		return
	}
	p := hashPrefix(h)
	if j, ok := t.byHash[p]; ok && t.at(j).hash == *h {
		delete(t.byHash, p)
	}
}

// addText stores b and returns its reference.
func (t *keyTable) addText(b []byte) uint32 {
	last := len(t.text) - 1
	if last < 0 || len(t.text[last])+len(b) > cap(t.text[last]) {
		t.text = append(t.text, make([]byte, 0, max(textChunk, len(b))))
		last++
	}
	off := len(t.text[last])
	t.text[last] = append(t.text[last], b...)
	return uint32(last)<<textShift | uint32(off)
}

func (t *keyTable) textOf(s *slot) []byte {
	c, off := s.text>>textShift, s.text&(textChunk-1)
	return t.text[c][off : off+s.idLen+s.nameLen+s.replLen]
}

func (t *keyTable) id(s *slot) []byte { return t.textOf(s)[:s.idLen] }

// find returns the slot of the key with this id.
func (t *keyTable) find(id string) (uint32, bool) {
	if i, ok := t.idClash[id]; ok {
		return i, true
	}
	i, ok := t.byID[maphash.String(t.seed, id)]
	if !ok || string(t.id(t.at(i))) != id {
		return 0, false
	}
	return i, true
}

// put stores a key unless the table holds a newer version of it.
func (t *keyTable) put(kc *store.KeyCheck) { t.insert(kc, true) }

// insert is put; a full load, which reads each key once into a new table,
// passes existing false and saves a look-up per key (a sixth of the load).
func (t *keyTable) insert(kc *store.KeyCheck, existing bool) {
	if len(kc.Hash) != 32 {
		return
	}
	var old uint32
	var had bool
	if existing {
		old, had = t.find(string(kc.ID))
		if had && t.at(old).version > kc.Version {
			return
		}
	}
	if t.n%slotChunk == 0 && int(t.n/slotChunk) == len(t.slots) {
		t.slots = append(t.slots, make([]slot, slotChunk))
	}
	i := t.n
	t.n++
	s := t.at(i)
	copy(s.hash[:], kc.Hash)
	s.expires, s.version = unixMicro(kc.ExpiresAt), kc.Version
	s.deleted = 0
	if kc.DeletedAt != nil {
		s.deleted = max(unixMicro(*kc.DeletedAt), 1)
	}
	s.lastUsed.Store(0)
	if kc.LastUsedAt != nil {
		s.lastUsed.Store(unixMicro(*kc.LastUsedAt))
	}
	s.typ = noType
	for j, kt := range model.KeyTypes {
		if string(kt) == string(kc.Type) {
			s.typ = uint8(j)
		}
	}
	t.scratch = append(append(append(t.scratch[:0], kc.ID...), kc.Name...), kc.ReplacedBy...)
	s.text = t.addText(t.scratch)
	s.idLen, s.nameLen, s.replLen = uint32(len(kc.ID)), uint32(len(kc.Name)), uint32(len(kc.ReplacedBy))
	if had {
		o := t.at(old)
		s.lastUsed.Store(max(s.lastUsed.Load(), o.lastUsed.Load()))
		s.allow = o.allow // a key edit leaves its lists as they were
		if o.hash != s.hash {
			t.removeHash(&o.hash)
		}
	}
	if !existing {
		// No look-ups first (maps of a million keys are too big for the
		// cache, and each probe is a miss): a hash or id whose 64-bit key
		// another has replaces it here, and finishLoad finds that out and
		// makes it good.
		t.byHash[hashPrefix(&s.hash)] = i
		t.byID[maphash.Bytes(t.seed, kc.ID)] = i
		return
	}
	t.setHash(&s.hash, i)
	t.setID(kc.ID, i, had)
}

// finishLoad ends a full load into a new table, which gave every key a slot of
// its own: when two keys' 64-bit hashes or ids clashed (about 1 in 10^7 for a
// million keys), a map lost one of them, and both are made again with the
// checks put makes.
func (t *keyTable) finishLoad() {
	if len(t.byHash) == int(t.n) && len(t.byID) == int(t.n) {
		return
	}
	clear(t.byHash)
	clear(t.byID)
	t.hashClash, t.idClash = nil, nil
	for i := range t.n {
		s := t.at(i)
		t.setHash(&s.hash, i)
		t.setID(t.id(s), i, false)
	}
}

func (t *keyTable) setID(id []byte, i uint32, had bool) {
	if _, ok := t.idClash[string(id)]; ok {
		t.idClash[string(id)] = i
		return
	}
	h := maphash.Bytes(t.seed, id)
	if j, ok := t.byID[h]; ok && !had && string(t.id(t.at(j))) != string(id) {
		if t.idClash == nil {
			t.idClash = map[string]uint32{}
		}
		t.idClash[string(id)] = i
		return
	}
	t.byID[h] = i
}

// remove forgets the key with this id (its row is gone).
func (t *keyTable) remove(id string) {
	i, ok := t.find(id)
	if !ok {
		return
	}
	t.removeHash(&t.at(i).hash)
	if _, ok := t.idClash[id]; ok {
		delete(t.idClash, id)
	} else {
		delete(t.byID, maphash.String(t.seed, id))
	}
}

// noteCounted notes slot i for the next drain; its check set the slot's
// counted flag from false, so each slot is noted once per drain.
func (t *keyTable) noteCounted(i uint32) {
	t.countedMu.Lock()
	t.counted = append(t.counted, i)
	t.countedMu.Unlock()
}

// takeCounted hands the drain the slots noted since it last took them.
func (t *keyTable) takeCounted() []uint32 {
	t.countedMu.Lock()
	defer t.countedMu.Unlock()
	c := t.counted
	t.counted = nil
	return c
}

// unixMicro is t in unix µs, held to what an int64 holds: PostgreSQL keeps
// times (to the year 294276) past that, where t.UnixMicro wraps round and a
// key expiring then read as expired in the year -290285.
func unixMicro(t time.Time) int64 {
	switch {
	case t.After(latestMicro):
		return math.MaxInt64
	case t.Before(earliestMicro):
		return math.MinInt64
	}
	return t.UnixMicro()
}

var latestMicro, earliestMicro = time.UnixMicro(math.MaxInt64), time.UnixMicro(math.MinInt64)

// key is what a check hands on: the fields the index keeps.
func (t *keyTable) key(i uint32) model.Key {
	s := t.at(i)
	txt := string(t.textOf(s)) // one allocation for the id, the name and replaced-by
	k := model.Key{ID: txt[:s.idLen], Name: txt[s.idLen : s.idLen+s.nameLen],
		Hash: s.hash[:], ExpiresAt: time.UnixMicro(s.expires).UTC(), Version: s.version}
	if s.replLen > 0 {
		k.ReplacedBy = txt[s.idLen+s.nameLen:]
	}
	if int(s.typ) < len(model.KeyTypes) {
		k.Type = model.KeyTypes[s.typ]
	}
	if s.deleted != 0 {
		d := time.UnixMicro(s.deleted).UTC()
		k.DeletedAt = &d
	}
	if u := s.lastUsed.Load(); u != 0 {
		lu := time.UnixMicro(u).UTC()
		k.LastUsedAt = &lu
	}
	return k
}

// carryLastUse keeps, for each key, the later of the two last uses: a use this
// process recorded after old was read is not yet in what was read for t.
func (t *keyTable) carryLastUse(old *keyTable) {
	for _, i := range old.byID {
		o := old.at(i)
		if u := o.lastUsed.Load(); u != 0 {
			if j, ok := t.find(string(old.id(o))); ok {
				s := t.at(j)
				s.lastUsed.Store(max(s.lastUsed.Load(), u))
			}
		}
	}
}
