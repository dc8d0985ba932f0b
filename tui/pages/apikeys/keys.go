package apikeys

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

// key handles a key press for the page's current mode.
func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	switch p.mode {
	case formMode:
		return p.updateForm(msg)
	case secretMode:
		cmd, done := p.secret.Key(msg)
		if done {
			p.secret.Close()
			p.secret = nil
			p.mode = listMode
		}
		return cmd
	case rotatingMode:
		if key.Matches(msg, km.Back) {
			return p.stopRotation()
		}
		return nil
	case detailMode:
		return p.detailKey(msg)
	}
	if p.filtering {
		return p.filterKey(msg)
	}
	if p.denied != "" {
		return nil
	}
	if p.table.Update(msg, km) {
		return nil
	}
	k, ok := p.Selected()
	switch {
	case key.Matches(msg, km.New):
		return p.openCreate()
	case key.Matches(msg, km.Filter):
		p.filtering = true
		p.filter.SetValue(p.query)
		p.filter.CursorEnd()
		return p.filter.Focus()
	case key.Matches(msg, km.Soon):
		p.toggleSoon()
	case key.Matches(msg, km.Back):
		// Marks first: they are what a stray r would act on.
		switch {
		case len(p.marks) > 0:
			n := len(p.marks)
			clear(p.marks)
			return app.Info(fmt.Sprintf("Cleared %s.", plural(n, "mark")))
		case p.query != "":
			p.setQuery("")
		case p.soon:
			p.toggleSoon()
		}
	case key.Matches(msg, km.Rotate) && len(p.marks) > 0:
		return p.rotateMarked()
	case !ok:
	case key.Matches(msg, km.Open):
		p.showDetails(k)
	case key.Matches(msg, km.Edit):
		return p.openEdit(k)
	case key.Matches(msg, km.Delete):
		return p.openDelete(k)
	case key.Matches(msg, km.Rotate):
		return p.Rotate(k)
	case key.Matches(msg, km.Mark):
		return p.toggleMark()
	case key.Matches(msg, km.MarkAll):
		return p.markAll()
	}
	return nil
}

func (p *Page) filterKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "enter":
		p.filtering = false
		p.filter.Blur()
		return nil
	case "esc":
		p.filtering = false
		p.filter.Blur()
		p.setQuery("")
		return nil
	case "up", "down":
		p.table.Update(msg, p.ctx.Keys)
		return nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if v := p.filter.Value(); v != p.query {
		p.setQuery(v)
	}
	return cmd
}

// setQuery filters the list; a query that extends the last one searches only
// what that one kept.
func (p *Page) setQuery(q string) {
	prev := p.query
	p.query = q
	if q == "" {
		p.filter.SetValue("")
	}
	p.list.filter(q, prev)
	p.table.SetSource(rows{l: &p.list, ctx: p.ctx})
	p.table.SetCursor(0)
}

func (p *Page) detailKey(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	k := p.shown
	switch {
	case key.Matches(msg, km.Back):
		p.mode = listMode
	case key.Matches(msg, km.Up):
		p.detail.Scroll(-1)
	case key.Matches(msg, km.Down):
		p.detail.Scroll(1)
	case key.Matches(msg, km.Edit):
		return p.openEdit(k)
	case key.Matches(msg, km.Delete):
		return p.openDelete(k)
	case key.Matches(msg, km.Rotate):
		return p.Rotate(k)
	case key.Matches(msg, km.RotatedFrom) && k.RotatedFrom != "":
		return p.follow(k.RotatedFrom)
	case key.Matches(msg, km.ReplacedBy) && k.ReplacedBy != "":
		return p.follow(k.ReplacedBy)
	}
	return nil
}

// follow opens the details of a linked key: from the list when it is there,
// from the backend when it is not (a deleted key is a tombstone the list hides).
func (p *Page) follow(id string) tea.Cmd {
	if i := p.list.index(id); i >= 0 {
		p.showDetails(p.list.all[i])
		return nil
	}
	c := p.ctx.Client
	return p.ctx.Call("Opening "+id, func(ctx context.Context) (tea.Msg, error) {
		k, err := c.GetKey(ctx, id)
		return fetched{k}, err
	})
}

// link names a linked key: its name when loaded, else its id.
func (p *Page) link(id string) string {
	if i := p.list.index(id); i >= 0 {
		return "“" + model.Sanitize(p.list.all[i].Name) + "” " + id
	}
	return id
}

func (p *Page) showDetails(k model.Key) {
	now, pol := p.ctx.Now(), p.ctx.Policy
	loc := pol.Loc()
	st := p.ctx.Styles
	_, tone := Expiry(k, now, pol)
	stateStyle := st.OK.Render
	if tone != table.Normal {
		stateStyle = st.Warn.Render
	}
	state := k.State(now)
	if state == model.KeyExpired || state == model.KeyRevoked {
		stateStyle = st.Error.Render
	}
	used := model.Ago(k.LastUsedAt, now, loc)
	if k.LastUsedAt != nil {
		used += " — " + model.When(*k.LastUsedAt, loc)
		if k.LastUsedAddr != "" {
			used += " from " + model.Sanitize(k.LastUsedAddr)
		}
	}
	fields := []detail.Field{
		{Label: "Name", Value: model.Sanitize(k.Name)},
		{Label: "ID", Value: k.ID},
		{Label: "Type", Value: k.Type.Label()},
		{Label: "Key", Value: model.Sanitize(k.Hint)},
		{Label: "State", Value: stateLong(k, now, pol), Styled: func(s string) string { return stateStyle(s) }},
		{Label: "Expires", Value: expiryLong(k, pol)},
		{Label: "Last used", Value: used},
		{Label: "Created", Value: model.When(k.CreatedAt, loc) + " by " + model.Sanitize(k.CreatedByName)},
	}
	if k.UpdatedAt.After(k.CreatedAt) {
		fields = append(fields, detail.Field{Label: "Changed", Value: model.When(k.UpdatedAt, loc) + " by " + model.Sanitize(k.UpdatedByName)})
	}
	if k.RotatedFrom != "" {
		fields = append(fields, detail.Field{Label: "Rotated from", Value: p.link(k.RotatedFrom) + "  ([)"})
	}
	if k.ReplacedBy != "" {
		fields = append(fields, detail.Field{Label: "Replaced by", Value: p.link(k.ReplacedBy) + "  (])"})
	}
	p.shown = k
	p.detail = detail.New(st, "“"+model.Sanitize(k.Name)+"”", fields)
	p.detail.SetSize(p.w, p.h)
	p.mode = detailMode
}
