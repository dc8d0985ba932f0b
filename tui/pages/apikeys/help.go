package apikeys

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// ShortHelp implements app.Page: only what applies now, rotation of the marked
// keys first when there are marks.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	if p.filtering {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
		}
	}
	if p.keys.Denied() != "" {
		return nil
	}
	var out []key.Binding
	k, ok := p.Selected()
	mark := func() {
		switch {
		case !ok:
		case p.marks[k.ID]:
			out = append(out, keymap.With(km.Mark, "unmark"))
		case p.rotatable(k) == nil:
			out = append(out, km.Mark)
		}
	}
	if n := len(p.marks); n > 0 {
		out = append(out, keymap.With(km.Rotate, fmt.Sprintf("rotate %d marked", n)))
		mark()
		out = append(out, keymap.With(km.Back, "clear marks"))
		if ok {
			out = append(out, km.Open)
		}
		out = append(out, km.MarkAll, km.Filter, keymap.With(km.Soon, p.soonHelp()))
		return out
	}
	if len(model.ManageableKeyTypes(p.ctx.Me.AccountType)) > 0 {
		out = append(out, km.New)
	}
	if ok {
		out = append(out, km.Open)
		out = append(out, p.actions(k)...)
	}
	mark()
	if p.soon && ok {
		out = append(out, km.MarkAll)
	}
	out = append(out, km.Filter)
	if p.list.Len() > 0 {
		out = append(out, keymap.With(km.Soon, p.soonHelp()), km.Hygiene)
	}
	switch {
	case p.query != "":
		out = append(out, keymap.With(km.Back, "clear filter"))
	case p.soon:
		out = append(out, keymap.With(km.Back, "all keys"))
	}
	return out
}

// actions are the bindings that act on k, where the member may.
func (p *Page) actions(k model.Key) []key.Binding {
	km := p.ctx.Keys
	if !p.can(k) {
		return nil
	}
	out := []key.Binding{km.Edit, km.Delete}
	if k.ReplacedBy == "" {
		out = append(out, km.Rotate)
	}
	if _, ok := p.allowAPI(); ok {
		out = append(out, km.Link)
	}
	return out
}

func (p *Page) soonHelp() string {
	if p.soon {
		return "all keys"
	}
	return "expiring soon"
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	actions := []key.Binding{km.New, km.Open, km.Edit, km.Delete, km.Rotate, km.Filter, km.Soon, keymap.With(km.Hygiene, "key hygiene")}
	if _, ok := p.allowAPI(); ok {
		actions = append(actions, keymap.With(km.Link, "IP allow lists"))
	}
	return [][]key.Binding{
		actions,
		{km.Up, km.Down, km.Top, km.Bottom, km.PageUp, km.PageDown,
			keymap.With(km.Sort, "sort by the next column"), keymap.With(km.Reverse, "reverse the order")},
		{keymap.With(km.Mark, "mark/unmark for rotation"), keymap.With(km.MarkAll, "mark all shown"),
			keymap.With(km.Rotate, "rotate the marked keys"), keymap.With(km.Back, "clear marks")},
		{keymap.With(km.CopyID, "copy the key's id"), keymap.With(km.Copy, "copy a new secret"), keymap.With(km.CopyAll, "copy all as NAME=SECRET"),
			keymap.With(km.RotatedFrom, "details: key it replaced"), keymap.With(km.ReplacedBy, "details: key that replaced it")},
	}
}
