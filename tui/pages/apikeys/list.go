package apikeys

import (
	"slices"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
)

// Column indices, in display order.
const (
	colName = iota
	colType
	colHint
	colExpires
	colUsed
	colBy
)

// columns: Name and Expires always show (Expires is wide enough for "valid
// through 30 Jun 2027", so it is never cut; narrower, "through 30 Jun 2027");
// Type, which tells keys of the same name apart, stays down to 60 columns,
// abbreviated ("Audit"); as the pane narrows the Key hint, then Created by and
// Last used drop out.
var columns = []table.Column{
	colName:    {Title: "Name", Width: 22, Min: 12, Priority: 0, Flex: true},
	colType:    {Title: "Type", Width: 17, Min: 8, Priority: 1, Squeeze: true, Abbrev: model.ShortLabel},
	colHint:    {Title: "Key", Width: 17, Priority: 4},
	colExpires: {Title: "Expires", Width: 25, Min: 19, Priority: 0, Abbrev: expiry.Short},
	colUsed:    {Title: "Last used", Width: 9, Priority: 2},
	colBy:      {Title: "Created by", Width: 14, Min: 10, Priority: 3},
}

// list is the loaded keys, newest first, and the indices the filter keeps.
type list struct {
	all  []model.Key
	hay  []string // lower-cased searchable text per key
	view []int
	// keep, when set, is a second filter beside the query (the expiring-soon
	// view). Changing it calls for a full filter (prev "").
	keep func(model.Key) bool
}

// set replaces the keys. They are sorted newest first unless they already are
// (the backend sends them so; sorting is then one pass).
func (l *list) set(keys []model.Key) {
	newer := func(a, b model.Key) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	}
	if !slices.IsSortedFunc(keys, newer) {
		keys = slices.Clone(keys)
		slices.SortStableFunc(keys, newer)
	}
	l.all = keys
	l.hay = make([]string, len(keys))
	for i, k := range keys {
		l.hay[i] = haystack(k)
	}
}

func haystack(k model.Key) string {
	return strings.ToLower(k.Name + "\x00" + k.Type.Label() + "\x00" + k.Hint + "\x00" + k.CreatedByName + "\x00" + k.ID)
}

// filter keeps the keys whose name, type, hint, creator or id contain q, case
// insensitively, and that keep keeps. When q extends the previous query only
// the kept rows are searched again.
func (l *list) filter(q, prev string) {
	q = strings.ToLower(q)
	if q == "" && l.keep == nil {
		l.view = l.view[:0]
		for i := range l.all {
			l.view = append(l.view, i)
		}
		return
	}
	ok := func(i int) bool {
		return (q == "" || strings.Contains(l.hay[i], q)) && (l.keep == nil || l.keep(l.all[i]))
	}
	// Only an extended query may search within the last result: "ab" keeps a
	// subset of what "a" kept.
	incremental := q != "" && prev != "" && strings.HasPrefix(q, strings.ToLower(prev))
	out := make([]int, 0, min(len(l.all), 1024))
	if incremental {
		for _, i := range l.view {
			if ok(i) {
				out = append(out, i)
			}
		}
	} else {
		for i := range l.hay {
			if ok(i) {
				out = append(out, i)
			}
		}
	}
	l.view = out
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

// put inserts or replaces k, keeping the order.
func (l *list) put(k model.Key) {
	keys := slices.Clone(l.all)
	if i := l.index(k.ID); i >= 0 {
		keys[i] = k
	} else {
		keys = append([]model.Key{k}, keys...)
	}
	l.set(keys)
}

// remove drops the key with this id.
func (l *list) remove(id string) {
	keys := slices.DeleteFunc(slices.Clone(l.all), func(k model.Key) bool { return k.ID == id })
	l.set(keys)
}

// rows adapts the filtered list to table.Source, formatting cells only when the
// table asks for them (the visible rows).
type rows struct {
	l   *list
	ctx *app.Context
}

func (r rows) Len() int { return len(r.l.view) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	k := &r.l.all[r.l.view[row]]
	now := r.ctx.Now()
	switch col {
	case colName:
		return model.Sanitize(k.Name), table.Normal
	case colType:
		return k.Type.Label(), table.Normal
	case colHint:
		return model.Sanitize(k.Hint), table.Dim
	case colExpires:
		return expiry.Column(*k, now, r.ctx.Policy)
	case colUsed:
		return model.Ago(k.LastUsedAt, now, r.ctx.Policy.Loc()), table.Dim
	case colBy:
		return model.Sanitize(k.CreatedByName), table.Dim
	}
	return "", table.Normal
}
