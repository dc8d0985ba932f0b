package apikeys

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

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

// entry is one key as the list keeps it — a million of them at once, 72
// bytes each: its id, name and hint are in the list's text array (txt, only
// ever appended to), times are Unix microseconds, the member names indices
// into the list's people, the fields few keys have in list.more. key gives
// the model.Key back (without its hash, which the TUI never needs).
type entry struct {
	txt               uint32 // where the id, name and hint start in list.txt, back to back
	idN, nameN, hintN uint16 // their lengths
	typ               uint8  // index into model.KeyTypes; 255 another
	created, expires  int64
	used              int64 // 0: never
	updated, version  int64
	by, upBy, own     uint32 // indices into list.people: creator, last editor, owner
	more              uint32 // 1 + index into list.more; 0: none
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
// filter keeps. Indices are int32: a million keys are four arrays of them.
type list struct {
	rows []entry
	txt  []byte // every key's id, name and hint; bytes once written never change
	more []entryMore
	hay  hay // what the filter searches
	hit  []bool

	order  []int32 // every index of rows, in the shown order
	view   []int32 // the indices the filter keeps, in the shown order
	spare  []int32 // the filter's other array (filter)
	people []person
	known  map[person]uint32
	uses   map[string]model.UsageTotal // the last 30 days by key id, once read (usage.go); nil: not read
	// keep, when set, makes a second filter beside the query for one pass
	// (the expiring-soon view, as of now). Changing it calls for a full
	// filter (prev "").
	keep func() func(i int) bool
	// by is the order the order array is in (a sort* constant; -1 as
	// loaded), desc its direction (the tie-break turned over too); sorted
	// says order follows it.
	by     int
	desc   bool
	sorted bool
	// gen counts changes to the rows: a sort made off the UI goroutine over
	// an older generation is stale.
	gen int
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

// entryOf packs k, its text appended to txt.
func (l *list) entryOf(k *model.Key) entry {
	e := entry{
		txt: uint32(len(l.txt)), idN: uint16(len(k.ID)), nameN: uint16(len(k.Name)), hintN: uint16(len(k.Hint)),
		created: k.CreatedAt.UnixMicro(), expires: k.ExpiresAt.UnixMicro(), used: micros(k.LastUsedAt),
		updated: k.UpdatedAt.UnixMicro(), version: k.Version,
		by: l.personOf(k.CreatedBy, k.CreatedByName), upBy: l.personOf(k.UpdatedBy, k.UpdatedByName),
		own: l.personOf(k.OwnerID, k.OwnerName),
		typ: typeIndex(k.Type),
	}
	l.txt = append(append(append(l.txt, k.ID...), k.Name...), k.Hint...)
	if k.LastUsedAddr != "" || k.RotatedFrom != "" || k.ReplacedBy != "" || k.DeletedAt != nil {
		l.more = append(l.more, entryMore{lastUsedAddr: k.LastUsedAddr, rotatedFrom: k.RotatedFrom, replacedBy: k.ReplacedBy, deleted: micros(k.DeletedAt)})
		e.more = uint32(len(l.more))
	}
	return e
}

// str is n bytes of txt from at, as a string that shares them: txt's bytes
// never change once written (a key changed is written anew at the end).
func (l *list) str(at uint32, n uint16) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&l.txt[at], int(n))
}

// id, name and hint of entry i.
func (l *list) id(i int) string {
	e := &l.rows[i]
	return l.str(e.txt, e.idN)
}

func (l *list) name(i int) string {
	e := &l.rows[i]
	return l.str(e.txt+uint32(e.idN), e.nameN)
}

func (l *list) hint(i int) string {
	e := &l.rows[i]
	return l.str(e.txt+uint32(e.idN)+uint32(e.nameN), e.hintN)
}

// key is entry i as a model.Key. Its strings are copies: a key kept (marks,
// details) must not hold the list's text array alive.
func (l *list) key(i int) model.Key {
	e := &l.rows[i]
	by, up, own := l.people[e.by], l.people[e.upBy], l.people[e.own]
	k := model.Key{
		ID: strings.Clone(l.id(i)), Name: strings.Clone(l.name(i)), Hint: strings.Clone(l.hint(i)),
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
	if e.more != 0 {
		m := &l.more[e.more-1]
		k.LastUsedAddr, k.RotatedFrom, k.ReplacedBy = m.lastUsedAddr, m.rotatedFrom, m.replacedBy
		if m.deleted != 0 {
			t := fromMicros(m.deleted)
			k.DeletedAt = &t
		}
	}
	return k
}

// keeper is the second filter for one pass, or nil.
func (l *list) keeper() func(i int) bool {
	if l.keep == nil {
		return nil
	}
	return l.keep()
}

// Len is how many keys are loaded.
func (l *list) Len() int { return len(l.rows) }

// set replaces the keys. The text arrays are new ones: strings handed out
// point into the old (id, name, hint), and a sort may be reading them.
func (l *list) set(keys []model.Key) {
	l.rows, l.txt, l.more, l.order = l.rows[:0], nil, l.more[:0], l.order[:0]
	l.hay.reset()
	l.people, l.known = nil, nil
	l.gen++
	l.rows = slices.Grow(l.rows, len(keys))
	for i := range keys {
		l.add(&keys[i])
		l.order = append(l.order, int32(i))
	}
	l.sorted = false
	l.sort()
}

// add appends k to the rows and the haystack.
func (l *list) add(k *model.Key) {
	l.rows = append(l.rows, l.entryOf(k))
	l.hay.add(len(l.rows)-1, k.Name, k.Hint, k.ID)
}

// appendKeys adds the next part of the list as it loads, in load order
// (newest first, after every key already there), and shows those that the
// filter q keeps: one part costs what its own keys cost. The order chosen
// with s is applied once everything is there (finish).
func (l *list) appendKeys(keys []model.Key, q string) {
	l.gen++
	m := l.matcher(q)
	keep := l.keeper()
	for n := range keys {
		i := len(l.rows)
		l.add(&keys[n])
		l.order = append(l.order, int32(i))
		if m.row(l, i) && (keep == nil || keep(i)) {
			l.view = append(l.view, int32(i))
		}
	}
}

// grow makes room for n keys, so a million loaded in parts are not copied
// into doubling arrays (whose slack and garbage were a third of the list's
// memory): the text arrays by what the keys so far took each.
func (l *list) grow(n int) {
	if n <= cap(l.rows) {
		return
	}
	more := n - len(l.rows)
	l.rows = slices.Grow(l.rows, more)
	l.order = slices.Grow(l.order, more)
	if l.keep == nil {
		l.view = slices.Grow(l.view, more)
	}
	if have := len(l.rows); have > 0 {
		l.txt = slices.Grow(l.txt, more*len(l.txt)/have*9/8)
		l.hay.grow(more, more*len(l.hay.buf)/have*9/8)
	}
}

// index finds a key by id among the loaded ones.
func (l *list) index(id string) int {
	for i := range l.rows {
		if l.id(i) == id {
			return i
		}
	}
	return -1
}

// put inserts or replaces k, keeping the order: one key costs a search and a
// move of the order, never a sort of a million. The old text stays behind in
// txt, unused.
func (l *list) put(k model.Key) {
	l.gen++
	i := l.index(k.ID)
	if i >= 0 {
		l.rows[i] = l.entryOf(&k)
		l.hay.add(i, k.Name, k.Hint, k.ID)
		l.order = slices.DeleteFunc(l.order, func(j int32) bool { return int(j) == i })
	} else {
		i = len(l.rows)
		l.add(&k)
	}
	at := 0 // while loading (no order yet) a new key is the newest: first
	if l.by >= 0 {
		at, _ = slices.BinarySearchFunc(l.order, int32(i), l.cmpAt)
	}
	l.order = slices.Insert(l.order, at, int32(i))
}

// remove drops the key with this id.
func (l *list) remove(id string) {
	i := l.index(id)
	if i < 0 {
		return
	}
	l.gen++
	last := len(l.rows) - 1
	// The last key takes i's place; order follows it there.
	l.rows[i] = l.rows[last]
	l.rows = l.rows[:last]
	l.hay.move(last, i)
	l.order = slices.DeleteFunc(l.order, func(j int32) bool { return int(j) == i })
	for n, j := range l.order {
		if int(j) == last {
			l.order[n] = int32(i)
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
	i := int(r.l.view[row])
	e := &r.l.rows[i]
	now := r.ctx.Now()
	switch col {
	case colName:
		return model.Sanitize(r.l.name(i)), table.Normal
	case colType:
		return typeLabel(e.typ), table.Normal
	case colHint:
		return model.Sanitize(r.l.hint(i)), table.Dim
	case colExpires:
		return expiry.Column(r.l.key(i), now, r.ctx.Policy)
	case colUsed:
		k := r.l.key(i)
		return model.Ago(k.LastUsedAt, now, r.ctx.Policy.Loc()), table.Dim
	case colUses:
		return usesCell(r.l.uses, r.l.id(i))
	case colBy:
		return model.Sanitize(r.l.people[e.by].name), table.Dim
	}
	return "", table.Normal
}
