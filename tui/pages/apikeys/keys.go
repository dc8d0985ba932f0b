package apikeys

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// key handles a key press on the list.
func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	if p.filtering {
		return p.filterKey(msg)
	}
	if p.keys.Denied() != "" {
		return nil
	}
	// Any key answers the question a asked (marks.go): only a again says yes.
	asked := p.askedAll
	p.askedAll = 0
	if p.keys.Table.Update(msg, km) {
		return nil
	}
	k, ok := p.Selected()
	if p.sorting().Key(msg, km) {
		p.refilter(k.ID)
		said := strings.TrimSuffix(p.sorting().Said(), ".")
		switch {
		case p.loading():
			return app.Info(said + " once every key is loaded.")
		case p.sortingNow:
			return app.Info(strings.Replace(said, "Sorted", "Sorting", 1) + "…")
		}
		return app.Info(said + ".")
	}
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
	case key.Matches(msg, km.Hygiene):
		return p.openHygiene()
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
		return p.rotate(p, p.markedKeys()...)
	case !ok:
	case key.Matches(msg, km.Open):
		return tea.Batch(app.Push(p, p.details(k)), p.loadWhere(k.ID))
	case key.Matches(msg, km.Mark):
		return p.toggleMark()
	case key.Matches(msg, km.MarkAll):
		return p.markAll(asked)
	default:
		cmd, _ := p.keyAction(p, k, msg)
		return cmd
	}
	return nil
}

// keyAction does one of a key's own actions (e, d, r, l, y) on k, from the
// list or from its details (from, who pushes the flow): one switch, so the
// two can't offer different ones.
func (p *Page) keyAction(from any, k model.Key, msg tea.KeyMsg) (tea.Cmd, bool) {
	km := p.ctx.Keys
	switch {
	case key.Matches(msg, km.Edit):
		return p.openEdit(from, k), true
	case key.Matches(msg, km.Delete):
		return p.openDelete(from, k), true
	case key.Matches(msg, km.Rotate):
		return p.rotate(from, k), true
	case key.Matches(msg, km.Link):
		return p.openAllow(from, k), true
	case key.Matches(msg, km.CopyID):
		return p.copyID(k), true
	}
	return nil, false
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
		p.keys.Table.Update(msg, p.ctx.Keys)
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
	p.keys.Table.SetSource(rows{l: &p.list, ctx: p.ctx})
	p.keys.Table.SetCursor(0)
}

// copyID sends k's id to the terminal's clipboard, as the secret panel sends
// a secret (secret.Send): the status line says what was sent, no more.
func (p *Page) copyID(k model.Key) tea.Cmd {
	return secret.Send(p.ctx, k.ID, "the id of "+k.Named())
}

// details is the flow showing k, following it as it changes anywhere; e, d and
// r act on it, [ and ] follow its rotation chain.
func (p *Page) details(k model.Key) *flows.Details {
	c, id := p.ctx.Client, k.ID
	km := p.ctx.Keys
	d := flows.NewDetails(p.ctx, k, flows.DetailsSpec{
		Kind: client.NoticeKey, ID: id, Init: func() tea.Cmd { return p.loadUsage(id) },
		Get: func(ctx context.Context) (any, error) { return c.GetKey(ctx, id) },
		Show: func(row any) (string, []detail.Field, string) {
			k := row.(model.Key)
			gone := ""
			if k.DeletedAt != nil {
				gone = "“" + model.Sanitize(k.Name) + "” was deleted elsewhere."
			}
			return "“" + model.Sanitize(k.Name) + "”", p.fields(k), gone
		},
		Keys: func(d *flows.Details, row any, msg tea.KeyMsg) tea.Cmd {
			k := row.(model.Key)
			if cmd, ok := p.keyAction(d, k, msg); ok {
				return cmd
			}
			switch {
			case key.Matches(msg, km.New):
				return p.openFromAddresses(d, k)
			case key.Matches(msg, km.RotatedFrom) && k.RotatedFrom != "":
				return p.follow(d, k.RotatedFrom)
			case key.Matches(msg, km.ReplacedBy) && k.ReplacedBy != "":
				return p.follow(d, k.ReplacedBy)
			}
			return nil
		},
		Help: func(row any) []key.Binding {
			k := row.(model.Key)
			out := append(p.actions(k), p.whereHelp(k)...)
			if k.RotatedFrom != "" {
				out = append(out, km.RotatedFrom)
			}
			if k.ReplacedBy != "" {
				out = append(out, km.ReplacedBy)
			}
			return out
		},
		Result: func(d *flows.Details, pop app.Pop) tea.Cmd {
			switch r := pop.Result.(type) {
			case deleted:
				// Nothing left to show: the list takes the news.
				return app.Close(d, r)
			case edited:
				d.Set(r.key)
			case allowLinked:
				cmd := p.outcome(r) // takes the key's lists at once
				d.Set(d.Row())
				return cmd
			}
			return p.outcome(pop.Result)
		},
	})
	p.shown = d
	return d
}

// follow shows a linked key in the details: from the list when it is there,
// from the backend when it is not (a deleted key is a tombstone the list hides).
func (p *Page) follow(d *flows.Details, id string) tea.Cmd {
	if i := p.list.index(id); i >= 0 {
		return tea.Batch(app.Push(d, p.details(p.list.key(i))), p.loadWhere(id))
	}
	c, base := p.ctx.Client, p.ctx.Base
	stamp := app.Later()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, app.CallTimeout)
		defer cancel()
		k, err := c.GetKey(ctx, id)
		if err != nil {
			return stamp(app.Status{Text: app.Message(err), Error: true})
		}
		// The details are built back on the UI goroutine (Page.Update): they
		// read the page's list, which only that goroutine may touch.
		return followed{from: d, key: k}
	}
}

// followed is a linked key read from the store, whose details to push above from.
type followed struct {
	from *flows.Details
	key  model.Key
}

// link names a linked key: its name when loaded, else its id.
func (p *Page) link(id string) string {
	if i := p.list.index(id); i >= 0 {
		return "“" + model.Sanitize(p.list.name(i)) + "” " + id
	}
	return id
}

func (p *Page) fields(k model.Key) []detail.Field {
	now, pol := p.ctx.Now(), p.ctx.Policy
	loc := pol.Loc()
	st := p.ctx.Styles
	_, tone := expiry.Column(k, now, pol)
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
		{Label: "State", Value: expiry.State(k, now, pol), Styled: func(s string) string { return stateStyle(s) }},
		{Label: "Expires", Value: expiry.Long(k, pol)},
		{Label: "Last used", Value: used},
		{Label: "Created", Value: model.When(k.CreatedAt, loc) + " by " + model.Sanitize(k.CreatedByName)},
		p.ownerField(k),
	}
	if k.UpdatedAt.After(k.CreatedAt) {
		fields = append(fields, detail.Field{Label: "Changed", Value: model.When(k.UpdatedAt, loc) + " by " + model.Sanitize(k.UpdatedByName)})
	}
	if f, ok := p.allowField(k); ok {
		fields = append(fields, f)
	}
	fields = append(fields, p.usageFields(k)...)
	if k.RotatedFrom != "" {
		fields = append(fields, detail.Field{Label: "Rotated from", Value: p.link(k.RotatedFrom) + "  ([)"})
	}
	if k.ReplacedBy != "" {
		fields = append(fields, detail.Field{Label: "Replaced by", Value: p.link(k.ReplacedBy) + "  (])"})
	}
	return append(fields, p.whereFields(k)...)
}
