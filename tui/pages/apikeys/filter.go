package apikeys

import (
	"bytes"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// hay is what the filter searches, lower-cased, in one array: for each key
// "name\x00hint\x00id\n" (its type and creator are matched once per query,
// against the few labels and members there are). A new query over a million
// keys is then one bytes.Index run over about 60 MB, split across the cores,
// instead of a million strings.Contains.
//
// The array is only appended to: a key changed gets a new segment at the end
// and its old one is marked dead (row -1).
type hay struct {
	buf []byte
	seg []uint32 // where segment k starts in buf; it ends where k+1 starts, or at the end
	row []int32  // the key of segment k; -1 dead
	at  []uint32 // the segment of each key
}

// reset empties the haystack; its text array is a new one (a sort running
// off the UI goroutine may be reading the old).
func (h *hay) reset() {
	h.buf, h.seg, h.row, h.at = nil, h.seg[:0], h.row[:0], h.at[:0]
}

func (h *hay) grow(keys, bytes int) {
	h.buf = growBy(h.buf, bytes)
	h.seg = growBy(h.seg, keys)
	h.row = growBy(h.row, keys)
	h.at = growBy(h.at, keys)
}

func growBy[S ~[]E, E any](s S, n int) S {
	if n <= 0 {
		return s
	}
	if cap(s)-len(s) < n {
		t := make(S, len(s), len(s)+n)
		copy(t, s)
		return t
	}
	return s
}

// add writes key row's text as a new segment: row is a new key (the next
// index) or one whose text changed.
func (h *hay) add(row int, name, hint, id string) {
	k := uint32(len(h.seg))
	h.seg = append(h.seg, uint32(len(h.buf)))
	h.row = append(h.row, int32(row))
	h.buf = appendLower(h.buf, name)
	h.buf = append(h.buf, 0)
	h.buf = appendLower(h.buf, hint)
	h.buf = append(h.buf, 0)
	h.buf = appendLower(h.buf, id)
	h.buf = append(h.buf, '\n')
	if row == len(h.at) {
		h.at = append(h.at, k)
		return
	}
	h.row[h.at[row]] = -1
	h.at[row] = k
}

// move gives key from's segment to key to, whose own segment dies, and
// drops from (the last key): remove's swap.
func (h *hay) move(from, to int) {
	if from != to {
		h.row[h.at[to]] = -1
		h.at[to] = h.at[from]
		h.row[h.at[to]] = int32(to)
	} else {
		h.row[h.at[from]] = -1
	}
	h.at = h.at[:from]
}

// end is where segment k ends.
func (h *hay) end(k int) int {
	if k+1 < len(h.seg) {
		return int(h.seg[k+1])
	}
	return len(h.buf)
}

// text is key row's segment.
func (h *hay) text(row int) []byte {
	k := int(h.at[row])
	return h.buf[h.seg[k]:h.end(k)]
}

// name is the lower-cased name in key row's segment.
func (h *hay) name(row int) (at, n int) {
	t := h.text(row)
	return int(h.seg[h.at[row]]), bytes.IndexByte(t, 0)
}

// search sets hit for every live key whose segment among [from, to)
// contains q.
func (h *hay) search(q []byte, hit []bool, from, to int) {
	if from >= to {
		return
	}
	buf, end := h.buf[:h.end(to-1)], h.end(to-1)
	pos, k := int(h.seg[from]), from
	for pos < end {
		j := bytes.Index(buf[pos:], q)
		if j < 0 {
			return
		}
		at := pos + j
		// The segment holding at: a few steps on when hits are dense, a
		// binary search when they are far apart.
		for n := 0; k+1 < to && int(h.seg[k+1]) <= at; n++ {
			if n == 8 {
				k += sort.Search(to-k, func(d int) bool { return int(h.seg[k+d]) > at }) - 1
				break
			}
			k++
		}
		if r := h.row[k]; r >= 0 {
			hit[r] = true
		}
		pos = h.end(k)
	}
}

// searchAll is search over every segment, in one part per core when there
// are enough to share.
func (h *hay) searchAll(q []byte, hit []bool) {
	n := len(h.seg)
	parts := runtime.GOMAXPROCS(0)
	if n < 50_000 || parts < 2 {
		h.search(q, hit, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		from, to := n*p/parts, n*(p+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.search(q, hit, from, to)
		}()
	}
	wg.Wait()
}

// appendLower appends s lower-cased (ASCII in place, the rest as
// strings.ToLower does it).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(b, strings.ToLower(s[i:])...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// matcher is a query made ready for the keys: lower-cased, and the types and
// members whose label or name contain it.
type matcher struct {
	q      []byte
	any    bool // the empty query: every key
	none   bool // a query no text can hold (a line break, a NUL)
	types  [256]bool
	people []bool
	some   bool // some type or member holds it
}

func (l *list) matcher(q string) matcher {
	m := matcher{q: []byte(strings.ToLower(q))}
	if len(m.q) == 0 {
		m.any = true
		return m
	}
	if bytes.ContainsAny(m.q, "\x00\n") {
		m.none = true
		return m
	}
	lq := string(m.q)
	for t := range 256 {
		if lbl := typeLabel(uint8(t)); lbl != "" {
			m.types[t] = strings.Contains(strings.ToLower(lbl), lq)
			m.some = m.some || m.types[t]
		}
	}
	m.people = make([]bool, len(l.people))
	for i, p := range l.people {
		m.people[i] = strings.Contains(strings.ToLower(p.name), lq)
		m.some = m.some || m.people[i]
	}
	return m
}

// shared reports whether key i's type or creator holds the query.
func (m *matcher) shared(l *list, i int) bool {
	if !m.some {
		return false // most queries: no key's entry need be read
	}
	e := &l.rows[i]
	return m.types[e.typ] || int(e.by) < len(m.people) && m.people[e.by]
}

// row reports whether key i holds the query, searching its own text.
func (m *matcher) row(l *list, i int) bool {
	switch {
	case m.any:
		return true
	case m.none:
		return false
	}
	return m.shared(l, i) || bytes.Contains(l.hay.text(i), m.q)
}

// filter keeps the keys whose name, type, hint, creator or id contain q, case
// insensitively, and that keep keeps, in the shown order. When q extends the
// previous query only the kept rows are searched again.
func (l *list) filter(q, prev string) {
	if q == "" && l.keep == nil {
		l.view = append(l.view[:0], l.order...)
		return
	}
	m := l.matcher(q)
	// Only an extended query may search within the last result: "ab" keeps a
	// subset of what "a" kept.
	incremental := q != "" && prev != "" && strings.HasPrefix(strings.ToLower(q), strings.ToLower(prev))
	// The result goes into the array the last-but-one filter used: over a
	// million keys, growing a new one by appends was most of a keystroke.
	out := l.spare[:0]
	from := l.order
	if incremental {
		from = l.view
	}
	keep := l.keeper()
	switch {
	case m.any || m.none || len(from) < len(l.rows)/8:
		// Few to look at: each key's own text.
		for _, i := range from {
			if m.row(l, int(i)) && (keep == nil || keep(int(i))) {
				out = append(out, i)
			}
		}
	default:
		// Most keys: one search over all the text, then the order.
		if cap(l.hit) < len(l.rows) {
			l.hit = make([]bool, len(l.rows))
		}
		hit := l.hit[:len(l.rows)]
		clear(hit)
		l.hay.searchAll(m.q, hit)
		for _, i := range from {
			if (hit[i] || m.shared(l, int(i))) && (keep == nil || keep(int(i))) {
				out = append(out, i)
			}
		}
	}
	l.spare, l.view = l.view, out
}
