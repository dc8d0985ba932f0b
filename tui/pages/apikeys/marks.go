package apikeys

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/rotation"
)

// Marks are kept by key id, so they survive filtering (a key hidden by the
// filter stays marked, and the count says so) and reloads while the key is
// still there and rotatable.

// rotatable says why k can't be rotated by this member, or nil.
func (p *Page) rotatable(k model.Key) error { return rotation.Rotatable(p.ctx, k) }

// toggleMark marks or unmarks the selected key.
func (p *Page) toggleMark() tea.Cmd {
	k, ok := p.Selected()
	if !ok {
		return nil
	}
	if p.marks[k.ID] {
		delete(p.marks, k.ID)
	} else {
		if err := p.rotatable(k); err != nil {
			return app.Fail(err)
		}
		p.marks[k.ID] = true
	}
	// Marking moves on, so space space space marks three rows.
	p.keys.Table.SetCursor(p.keys.Table.Cursor() + 1)
	return nil
}

// askAllOver is how many keys a marks at once without asking again: past it,
// the status line asks with the count and only a second a marks them.
const askAllOver = 100

// markAll marks every shown key that can be rotated, or, when they all are
// marked already, unmarks them. It says what it left out and why. Over
// askAllOver keys it asks first; asked is the count the last a asked about
// (0: it didn't), and a second a for the same count marks them.
func (p *Page) markAll(asked int) tea.Cmd {
	var can []string
	var replaced, forbidden int
	for _, i := range p.list.view {
		k := p.list.key(int(i))
		switch err := p.rotatable(k); {
		case err == nil:
			can = append(can, k.ID)
		case k.ReplacedBy != "":
			replaced++
		default:
			forbidden++
		}
	}
	if len(can) == 0 {
		if replaced+forbidden == 0 {
			return nil
		}
		return app.Fail(model.Invalid("", "None of the keys shown can be rotated: %d replaced already, %d you may not manage.", replaced, forbidden))
	}
	all := true
	for _, id := range can {
		all = all && p.marks[id]
	}
	if all {
		for _, id := range can {
			delete(p.marks, id)
		}
		return app.Info(fmt.Sprintf("Unmarked %s.", plural(len(can), "key")))
	}
	if len(can) > askAllOver && asked != len(can) {
		p.askedAll = len(can)
		return app.Info(fmt.Sprintf("Mark all %d keys shown for rotation? Press a again to mark them; any other key doesn't.", len(can)))
	}
	for _, id := range can {
		p.marks[id] = true
	}
	msg := fmt.Sprintf("Marked %s", plural(len(can), "key"))
	var left []string
	if replaced > 0 {
		left = append(left, plural(replaced, "replaced key"))
	}
	if forbidden > 0 {
		left = append(left, fmt.Sprintf("%d you may not manage", forbidden))
	}
	if len(left) > 0 {
		msg += "; left out " + strings.Join(left, " and ")
	}
	return app.Info(msg + ".")
}

// markedKeys are the marked keys in list order, hidden ones included.
func (p *Page) markedKeys() []model.Key {
	var out []model.Key
	for i := range p.list.rows {
		if p.marks[p.list.id(i)] {
			out = append(out, p.list.key(i))
		}
	}
	return out
}

// Marked is the ids of the marked keys in list order, for tests.
func (p *Page) Marked() []string {
	var out []string
	for _, k := range p.markedKeys() {
		out = append(out, k.ID)
	}
	return out
}

// hiddenMarks counts marked keys the filter hides.
func (p *Page) hiddenMarks() int {
	n := len(p.marks)
	for _, i := range p.list.view {
		if p.marks[p.list.id(int(i))] {
			n--
		}
	}
	return n
}

// pruneMarks drops marks on keys that are gone or can no longer be rotated
// (someone else rotated or deleted them).
func (p *Page) pruneMarks() {
	for id := range p.marks {
		if i := p.list.index(id); i < 0 || p.rotatable(p.list.key(i)) != nil {
			delete(p.marks, id)
		}
	}
}

// marker is the table's mark column: ✓ on marked rows, so marks show without
// colour.
func (p *Page) marker(row int) string {
	if row < len(p.list.view) && p.marks[p.list.id(int(p.list.view[row]))] {
		return "✓"
	}
	return " "
}

// toggleSoon shows only the keys expiring soon, or every key again.
func (p *Page) toggleSoon() {
	sel, _ := p.Selected()
	p.soon = !p.soon
	p.list.keep = nil
	if p.soon {
		p.list.keep = p.expiringSoon
	}
	p.keys.Table.SetCursor(0)
	p.refilter(sel.ID)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
