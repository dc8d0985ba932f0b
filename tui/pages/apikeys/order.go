package apikeys

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"sync/atomic"
)

// sortKey is what the list sorts a key by under an order, made before the
// sort so that comparing two keys reads 32 bytes, not two entries: a, the
// column as an unsigned number (for names their first 8 bytes, lower-cased),
// then the rest of the name, then b (the first 8 bytes of the id) and the
// rest of the id. The rests are read from the list's text arrays, whose
// bytes never change, so a sort can run off the UI goroutine.
type sortKey struct {
	a, b         uint64
	nameAt, idAt uint32
	nameN, idN   uint16
	i            int32
}

// sorter compares sort keys over the text they point into.
type sorter struct {
	hay, txt []byte
}

func (s sorter) compare(x, y *sortKey) int {
	switch {
	case x.a < y.a:
		return -1
	case x.a > y.a:
		return 1
	}
	if x.nameN > 8 || y.nameN > 8 {
		if c := bytes.Compare(rest(s.hay, x.nameAt, x.nameN), rest(s.hay, y.nameAt, y.nameN)); c != 0 {
			return c
		}
	}
	switch {
	case x.b < y.b:
		return -1
	case x.b > y.b:
		return 1
	}
	return bytes.Compare(rest(s.txt, x.idAt, x.idN), rest(s.txt, y.idAt, y.idN))
}

// rest is what follows the first 8 bytes of n bytes at at.
func rest(b []byte, at uint32, n uint16) []byte {
	if n <= 8 {
		return nil
	}
	return b[at+8 : at+uint32(n)]
}

// prefix is the first 8 bytes of b as a big-endian number, zeros after its
// end: numbers in the order of the bytes.
func prefix(b []byte) uint64 {
	var p [8]byte
	copy(p[:], b)
	return binary.BigEndian.Uint64(p[:])
}

// signed turns an int64 into a uint64 of the same order.
func signed(v int64) uint64 { return uint64(v) ^ 1<<63 }

// typeRanks is each type's place in the order of their labels.
var typeRanks = func() [256]uint64 {
	var r [256]uint64 // another type (a label of ""): 0, first
	labels := make([]string, 0, 8)
	for i := range 256 {
		if lbl := typeLabel(uint8(i)); lbl != "" {
			labels = append(labels, lbl)
		}
	}
	slices.SortFunc(labels, strings.Compare)
	for i := range 256 {
		if lbl := typeLabel(uint8(i)); lbl != "" {
			r[i] = uint64(slices.Index(labels, lbl)) + 1
		}
	}
	return r
}()

// keyOf is entry i's sort key under order by (a sort* constant).
func (l *list) keyOf(by, i int) sortKey {
	e := &l.rows[i]
	k := sortKey{i: int32(i), idAt: e.txt, idN: e.idN}
	k.b = prefix(l.txt[e.txt : e.txt+uint32(e.idN)])
	switch by {
	case sortName:
		at, n := l.hay.name(i)
		k.nameAt, k.nameN = uint32(at), uint16(n)
		k.a = prefix(l.hay.buf[at : at+n])
	case sortType:
		k.a = typeRanks[e.typ]
	case sortExpires:
		k.a = signed(e.expires)
	case sortUsed:
		k.a = signed(e.used) // 0, never used, before any use: last when most recent first
	case sortCreated:
		k.a = signed(e.created)
	}
	return k
}

func (l *list) sorter() sorter { return sorter{hay: l.hay.buf, txt: l.txt} }

// cmpAt compares entries i and j in the order the order array is in.
func (l *list) cmpAt(i, j int32) int {
	x, y := l.keyOf(l.by, int(i)), l.keyOf(l.by, int(j))
	c := l.sorter().compare(&x, &y)
	if l.desc {
		return -c
	}
	return c
}

// sortJob is one sort of the whole list, which may run on any goroutine:
// it holds its own keys and the (unchanging) text they point into.
type sortJob struct {
	by   int
	desc bool
	gen  int
	keys []sortKey
	s    sorter
}

// run sorts and gives the order.
func (j *sortJob) run() []int32 {
	j.sortRuns(j.keys, 0)
	order := make([]int32, len(j.keys))
	for n := range j.keys {
		order[n] = j.keys[n].i
	}
	if j.desc {
		slices.Reverse(order)
	}
	return order
}

// sortRuns sorts keys by a, then each run of equal a by what follows: names
// 8 bytes at a time (a is loaded again with the next 8), so that a million
// names sharing "audit logs key 0" compare numbers held in the keys rather
// than bytes spread over 60 MB; then the id.
func (j *sortJob) sortRuns(keys []sortKey, depth int) {
	slices.SortFunc(keys, func(x, y sortKey) int { return cmp.Compare(x.a, y.a) })
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end].a == keys[start].a {
			end++
		}
		if end-start > 1 {
			j.ties(keys[start:end], depth)
		}
		start = end
	}
}

// ties orders keys equal in their first depth+8 bytes of name (or in their
// column).
func (j *sortJob) ties(run []sortKey, depth int) {
	if j.by == sortName {
		d := depth + 8
		if slices.ContainsFunc(run, func(k sortKey) bool { return int(k.nameN) > d }) {
			for n := range run {
				k := &run[n]
				k.a = 0 // the name ended: before any that goes on
				if int(k.nameN) > d {
					k.a = prefix(j.s.hay[int(k.nameAt)+d : int(k.nameAt)+int(k.nameN)])
				}
			}
			j.sortRuns(run, d)
			return
		}
	}
	slices.SortFunc(run, func(x, y sortKey) int {
		if c := cmp.Compare(x.b, y.b); c != 0 {
			return c
		}
		return bytes.Compare(rest(j.s.txt, x.idAt, x.idN), rest(j.s.txt, y.idAt, y.idN))
	})
}

// sortAsync is the most keys sorted on the UI goroutine: a sort of more
// runs as a command, and the list shows the old order until it is done.
var sortAsync atomic.Int64

func init() { sortAsync.Store(50_000) }

// SortAsyncOver sorts lists of more than n keys off the UI goroutine, for
// tests; the function it returns puts the size back.
func SortAsyncOver(n int) (restore func()) {
	was := sortAsync.Swap(int64(n))
	return func() { sortAsync.Store(was) }
}

// sortBy puts the keys in order by (a sort* constant), descending or not.
// It does so at once (the same order turned over, the order already right,
// or few keys) and returns nil, or returns the sort to run off the UI
// goroutine, whose order take applies.
func (l *list) sortBy(by int, desc bool) *sortJob {
	if l.sorted && by == l.by && by >= 0 {
		if desc != l.desc {
			// S: the same order turned over, ties included.
			l.desc = desc
			slices.Reverse(l.order)
		}
		return nil
	}
	j := l.job(by, desc)
	if j == nil {
		return nil
	}
	if int64(len(l.rows)) <= sortAsync.Load() {
		l.take(j, j.run())
		return nil
	}
	return j
}

// job is the sort that brings the order to by, or nil when it is there.
func (l *list) job(by int, desc bool) *sortJob {
	if by < 0 {
		l.by, l.desc, l.sorted = by, desc, true
		return nil
	}
	if len(l.order) == len(l.rows) {
		was, wasDesc := l.by, l.desc
		l.by, l.desc = by, desc
		if slices.IsSortedFunc(l.order, l.cmpAt) {
			l.sorted = true
			return nil
		}
		l.by, l.desc = was, wasDesc
	}
	j := &sortJob{by: by, desc: desc, gen: l.gen, keys: make([]sortKey, len(l.rows)), s: l.sorter()}
	for i := range l.rows {
		j.keys[i] = l.keyOf(by, i)
	}
	return j
}

// take applies a sort's order, unless the rows changed since it began.
func (l *list) take(j *sortJob, order []int32) bool {
	if j.gen != l.gen {
		return false
	}
	l.order, l.by, l.desc, l.sorted = order, j.by, j.desc, true
	return true
}

// sort brings order in line with by at once, whatever the size (set: the
// first part of a list is small).
func (l *list) sort() {
	if l.sorted {
		return
	}
	if j := l.job(l.by, l.desc); j != nil {
		l.take(j, j.run())
	}
}

// unsorted shows the keys as they load.
func (l *list) unsorted() { l.by, l.sorted = -1, true }
