package apikeys

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// Column indices, in display order.
const (
	colName = iota
	colType
	colHint
	colExpires
	colUsed
	colUses
	colBy
)

// columns: Name and Expires always show (Expires is wide enough for "valid
// through 30 Jun 2027", so it is never cut; narrower, "through 30 Jun 2027");
// Type, which tells keys of the same name apart, stays down to 60 columns,
// abbreviated ("Audit"); as the pane narrows the Key hint, then Created by,
// Uses (30d) (from 120 columns on, read behind the first frame: usage.go) and
// Last used drop out.
var columns = []table.Column{
	colName:    {Title: "Name", Width: 22, Min: 12, Priority: 0, Flex: true},
	colType:    {Title: "Type", Width: 17, Min: 8, Priority: 1, Squeeze: true, Abbrev: model.ShortLabel},
	colHint:    {Title: "Key", Width: 17, Priority: 5},
	colExpires: {Title: "Expires", Width: 25, Min: 19, Priority: 0, Abbrev: expiry.Short},
	colUsed:    {Title: "Last used", Width: 9, Priority: 2},
	colUses:    {Title: usesTitle, Width: 10, Priority: 3},
	colBy:      {Title: "Created by", Width: 14, Min: 10, Priority: 4},
}

// Sort orders, in the order s cycles through them. The page starts on
// sortCreated descending: newest first, as the backend sends the keys.
const (
	sortName = iota
	sortType
	sortExpires
	sortUsed
	sortCreated
)

// sorts are the orders of the key list, for the sort state and its header
// mark; the list itself sorts its compact entries by entryCmps, the same
// orders. Ties fall back to the id.
var sorts = []listing.SortBy[model.Key]{
	sortName:    {Name: "name", Col: colName, Cmp: func(a, b model.Key) int { return cmpFold(a.Name, b.Name) }},
	sortType:    {Name: "type", Col: colType, Cmp: func(a, b model.Key) int { return strings.Compare(a.Type.Label(), b.Type.Label()) }},
	sortExpires: {Name: "expiry", Col: colExpires, Cmp: func(a, b model.Key) int { return a.ExpiresAt.Compare(b.ExpiresAt) }},
	sortUsed:    {Name: "last used", Col: colUsed, Cmp: func(a, b model.Key) int { return cmp.Compare(micros(a.LastUsedAt), micros(b.LastUsedAt)) }, Desc: true},
	sortCreated: {Name: "created", Col: -1, Cmp: func(a, b model.Key) int { return a.CreatedAt.Compare(b.CreatedAt) }, Desc: true},
}

// sortKey is what the list sorts a key by under an order: a number, then a
// string, then the id. A million keys sort as a slice of these, without a
// comparison function reaching through indices into the entries: sorting by
// name that way took 12 s on a busy machine.
type sortKey struct {
	n  int64
	s  string
	id string
	i  int
}

// keyOf is entry i's sort key under order by (a sort* constant).
func (l *list) keyOf(by, i int) sortKey {
	e := &l.all[i]
	k := sortKey{id: e.ID, i: i}
	switch by {
	case sortName:
		k.s = l.hay[i] // starts with the lower-cased name and a NUL
	case sortType:
		k.s = typeLabel(e.typ)
	case sortExpires:
		k.n = e.expires
	case sortUsed:
		k.n = e.used // 0, never used, before any use: last when most recent first
	case sortCreated:
		k.n = e.created
	}
	return k
}

func (a sortKey) compare(b sortKey) int {
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	if c := strings.Compare(a.s, b.s); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// micros is a time as the list keeps it: Unix microseconds, 0 for none.
func micros(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMicro()
}

// cmpFold compares case-insensitively without allocating: sorting a million
// names calls it twenty million times.
func cmpFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func byID(a, b model.Key) int { return strings.Compare(a.ID, b.ID) }

// newSort is the list's order at start (newest first); newSoonSort the
// expiring-soon view's: by urgency, the key whose last valid day (or grace)
// ends first at the top.
func newSort() *listing.Sort[model.Key]     { return listing.NewSort(sorts, sortCreated, byID) }
func newSoonSort() *listing.Sort[model.Key] { return listing.NewSort(sorts, sortExpires, byID) }

// entry is one key as the list keeps it — a million of them at once: what
// the columns, the sorts and the filter read, times as Unix microseconds,
// the member names as indices into the list's people, the fields few keys
// have behind one pointer. key gives the model.Key back (without its hash,
// which the TUI never needs).
type entry struct {
	ID, Name, Hint string
	created        int64
	expires        int64
	used           int64 // 0: never
	updated        int64
	version        int64
	more           *entryMore // nil when all its fields are empty
	by, upBy, own  uint32     // indices into list.people: creator, last editor, owner
	typ            uint8      // index into model.KeyTypes; 255 another
}

type entryMore struct {
	lastUsedAddr, rotatedFrom, replacedBy string
	deleted                               int64
}

// person is a member as keys name them: created by, last changed by.
type person struct{ id, name string }

func typeIndex(t model.KeyType) uint8 {
	if i := slices.Index(model.KeyTypes, t); i >= 0 {
		return uint8(i)
	}
	return 255
}

func typeLabel(i uint8) string {
	if int(i) < len(model.KeyTypes) {
		return model.KeyTypes[i].Label()
	}
	return ""
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// list is the loaded keys, the order they are shown in and the indices the
// filter keeps.
type list struct {
	all    []entry
	hay    []string // lower-cased searchable text per key
	order  []int    // every index of all, in the shown order
	view   []int    // the indices the filter keeps, in the shown order
	spare  []int    // the filter's other array (filter)
	people []person
	known  map[person]uint32
	uses   map[string]model.UsageTotal // the last 30 days by key id, once read (usage.go); nil: not read
	// keep, when set, is a second filter beside the query (the expiring-soon
	// view). Changing it calls for a full filter (prev "").
	keep func(model.Key) bool
	// by is the shown order (a sort* constant; -1 as loaded), desc its
	// direction (the tie-break turned over too); sorted says order follows it.
	by     int
	desc   bool
	sorted bool
}

// personOf is the index of a member in people, added if new.
func (l *list) personOf(id, name string) uint32 {
	p := person{id, name}
	if i, ok := l.known[p]; ok {
		return i
	}
	if l.known == nil {
		l.known = map[person]uint32{}
	}
	l.people = append(l.people, p)
	l.known[p] = uint32(len(l.people) - 1)
	return uint32(len(l.people) - 1)
}

// entryOf packs k.
func (l *list) entryOf(k *model.Key) entry {
	e := entry{
		ID: k.ID, Name: k.Name, Hint: k.Hint,
		created: k.CreatedAt.UnixMicro(), expires: k.ExpiresAt.UnixMicro(), used: micros(k.LastUsedAt),
		updated: k.UpdatedAt.UnixMicro(), version: k.Version,
		by: l.personOf(k.CreatedBy, k.CreatedByName), upBy: l.personOf(k.UpdatedBy, k.UpdatedByName),
		own: l.personOf(k.OwnerID, k.OwnerName),
		typ: typeIndex(k.Type),
	}
	if k.LastUsedAddr != "" || k.RotatedFrom != "" || k.ReplacedBy != "" || k.DeletedAt != nil {
		e.more = &entryMore{lastUsedAddr: k.LastUsedAddr, rotatedFrom: k.RotatedFrom, replacedBy: k.ReplacedBy, deleted: micros(k.DeletedAt)}
	}
	return e
}

// key is entry i as a model.Key.
func (l *list) key(i int) model.Key {
	e := &l.all[i]
	by, up, own := l.people[e.by], l.people[e.upBy], l.people[e.own]
	k := model.Key{
		ID: e.ID, Name: e.Name, Hint: e.Hint,
		CreatedAt: fromMicros(e.created), CreatedBy: by.id, CreatedByName: by.name,
		ExpiresAt: fromMicros(e.expires), UpdatedAt: fromMicros(e.updated), UpdatedBy: up.id, UpdatedByName: up.name,
		Version: e.version, OwnerID: own.id, OwnerName: own.name,
	}
	if int(e.typ) < len(model.KeyTypes) {
		k.Type = model.KeyTypes[e.typ]
	}
	if e.used != 0 {
		t := fromMicros(e.used)
		k.LastUsedAt = &t
	}
	if m := e.more; m != nil {
		k.LastUsedAddr, k.RotatedFrom, k.ReplacedBy = m.lastUsedAddr, m.rotatedFrom, m.replacedBy
		if m.deleted != 0 {
			t := fromMicros(m.deleted)
			k.DeletedAt = &t
		}
	}
	return k
}

// Len is how many keys are loaded.
func (l *list) Len() int { return len(l.all) }

// set replaces the keys.
func (l *list) set(keys []model.Key) {
	l.all, l.hay, l.order = l.all[:0], l.hay[:0], l.order[:0]
	l.people, l.known = nil, nil
	l.all = slices.Grow(l.all, len(keys))
	for i := range keys {
		l.all = append(l.all, l.entryOf(&keys[i]))
		l.hay = append(l.hay, haystack(&keys[i]))
		l.order = append(l.order, i)
	}
	l.sorted = false
	l.sort()
}

// appendKeys adds the next part of the list as it loads, in load order
// (newest first, after every key already there), and shows those that the
// filter q keeps: one part costs what its own keys cost. The order chosen
// with s is applied once everything is there (finish).
func (l *list) appendKeys(keys []model.Key, q string) {
	q = strings.ToLower(q)
	for n := range keys {
		k := &keys[n]
		i := len(l.all)
		l.all = append(l.all, l.entryOf(k))
		l.hay = append(l.hay, haystack(k))
		l.order = append(l.order, i)
		if (q == "" || strings.Contains(l.hay[i], q)) && (l.keep == nil || l.keep(*k)) {
			l.view = append(l.view, i)
		}
	}
}

// grow makes room for n keys in all, so a million loaded in parts are not
// copied into doubling arrays (whose slack and garbage were a third of the
// list's memory).
func (l *list) grow(n int) {
	if n <= cap(l.all) {
		return
	}
	more := n - len(l.all)
	l.all = slices.Grow(l.all, more)
	l.hay = slices.Grow(l.hay, more)
	l.order = slices.Grow(l.order, more)
	if l.keep == nil {
		l.view = slices.Grow(l.view, more)
	}
}

// sortBy shows the keys in order by (a sort* constant), descending or not.
func (l *list) sortBy(by int, desc bool) {
	if l.sorted && by == l.by && desc != l.desc && by >= 0 {
		// S: the same order turned over, ties included.
		l.desc = desc
		slices.Reverse(l.order)
		return
	}
	l.by, l.desc, l.sorted = by, desc, false
	l.sort()
}

// unsorted shows the keys as they load.
func (l *list) unsorted() { l.by, l.sorted = -1, true }

// cmpAt compares entries i and j in the shown order.
func (l *list) cmpAt(i, j int) int {
	c := l.keyOf(l.by, i).compare(l.keyOf(l.by, j))
	if l.desc {
		return -c
	}
	return c
}

// sort brings order in line with by; the keys arrive newest first, so the
// default order costs one pass.
func (l *list) sort() {
	if l.sorted || l.by < 0 {
		l.sorted = true
		return
	}
	l.sorted = true
	if slices.IsSortedFunc(l.order, l.cmpAt) {
		return
	}
	keys := make([]sortKey, len(l.all))
	for i := range l.all {
		keys[i] = l.keyOf(l.by, i)
	}
	slices.SortFunc(keys, sortKey.compare)
	if l.desc {
		slices.Reverse(keys)
	}
	l.order = l.order[:0]
	for _, k := range keys {
		l.order = append(l.order, k.i)
	}
}

// haystack is what the filter searches: the shown columns that say what a key
// is (name, type, key hint, created by) and its id. Expiry and last use are
// left out: their words change by the hour and "in 3 days" is better found
// with ! and the expiry sort.
func haystack(k *model.Key) string {
	return strings.ToLower(k.Name + "\x00" + k.Type.Label() + "\x00" + k.Hint + "\x00" + k.CreatedByName + "\x00" + k.ID)
}

// filter keeps the keys whose name, type, hint, creator or id contain q, case
// insensitively, and that keep keeps, in the shown order. When q extends the
// previous query only the kept rows are searched again.
func (l *list) filter(q, prev string) {
	l.sort()
	q = strings.ToLower(q)
	if q == "" && l.keep == nil {
		l.view = append(l.view[:0], l.order...)
		return
	}
	ok := func(i int) bool {
		return (q == "" || strings.Contains(l.hay[i], q)) && (l.keep == nil || l.keep(l.key(i)))
	}
	// Only an extended query may search within the last result: "ab" keeps a
	// subset of what "a" kept.
	incremental := q != "" && prev != "" && strings.HasPrefix(q, strings.ToLower(prev))
	// The result goes into the array the last-but-one filter used: over a
	// million keys, growing a new one by appends was most of a keystroke.
	out := l.spare[:0]
	from := l.order
	if incremental {
		from = l.view
	}
	for _, i := range from {
		if ok(i) {
			out = append(out, i)
		}
	}
	l.spare, l.view = l.view, out
}

// index finds a key by id among the loaded ones.
func (l *list) index(id string) int {
	for i := range l.all {
		if l.all[i].ID == id {
			return i
		}
	}
	return -1
}

// put inserts or replaces k, keeping the order: one key costs a search and a
// move of the order, never a sort of a million.
func (l *list) put(k model.Key) {
	e := l.entryOf(&k)
	i := l.index(k.ID)
	if i >= 0 {
		l.all[i], l.hay[i] = e, haystack(&k)
		l.order = slices.DeleteFunc(l.order, func(j int) bool { return j == i })
	} else {
		i = len(l.all)
		l.all = append(l.all, e)
		l.hay = append(l.hay, haystack(&k))
	}
	at := 0 // while loading (no order yet) a new key is the newest: first
	if l.by >= 0 {
		l.sort()
		at, _ = slices.BinarySearchFunc(l.order, i, l.cmpAt)
	}
	l.order = slices.Insert(l.order, at, i)
}

// remove drops the key with this id.
func (l *list) remove(id string) {
	i := l.index(id)
	if i < 0 {
		return
	}
	last := len(l.all) - 1
	// The last key takes i's place; order follows it there.
	l.all[i], l.hay[i] = l.all[last], l.hay[last]
	l.all, l.hay = l.all[:last], l.hay[:last]
	l.order = slices.DeleteFunc(l.order, func(j int) bool { return j == i })
	for n, j := range l.order {
		if j == last {
			l.order[n] = i
		}
	}
}

// rows adapts the filtered list to table.Source, formatting cells only when the
// table asks for them (the visible rows).
type rows struct {
	l   *list
	ctx *app.Context
}

func (r rows) Len() int { return len(r.l.view) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	i := r.l.view[row]
	e := &r.l.all[i]
	now := r.ctx.Now()
	switch col {
	case colName:
		return model.Sanitize(e.Name), table.Normal
	case colType:
		return typeLabel(e.typ), table.Normal
	case colHint:
		return model.Sanitize(e.Hint), table.Dim
	case colExpires:
		return expiry.Column(r.l.key(i), now, r.ctx.Policy)
	case colUsed:
		k := r.l.key(i)
		return model.Ago(k.LastUsedAt, now, r.ctx.Policy.Loc()), table.Dim
	case colUses:
		return usesCell(r.l.uses, e.ID)
	case colBy:
		return model.Sanitize(r.l.people[e.by].name), table.Dim
	}
	return "", table.Normal
}
