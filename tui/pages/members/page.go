// Package members is the Members page: the list of members, their details, and
// the forms to add a member, change an account type, deactivate and reactivate —
// each offered only where model.MemberChange allows it; the backend decides.
package members

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
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/rotation"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

const (
	colName = iota
	colEmail
	colType
	colStatus
	colSSH
)

var columns = []table.Column{
	colName:   {Title: "Name", Width: 14, Min: 12, Priority: 0, Flex: true},
	colEmail:  {Title: "Email", Width: 24, Min: 14, Priority: 2},
	colType:   {Title: "Account type", Width: 15, Priority: 1},
	colStatus: {Title: "Status", Width: 11, Priority: 0},
	colSSH:    {Title: "SSH keys", Width: 8, Priority: 3},
}

// Page is the Members page.
type Page struct {
	ctx     *app.Context
	members *listing.List[model.Member]
}

// New makes the page.
func New(ctx *app.Context) *Page {
	c := ctx.Client
	p := &Page{ctx: ctx}
	p.members = listing.New(ctx, columns, listing.Config[model.Member]{
		Title: "Members", What: "members", Need: model.ActViewMembers,
		Follows: []client.NoticeKind{client.NoticeMember}, OnVisit: true,
		ID: func(m model.Member) string { return m.ID },
		Fetch: func(ctx context.Context) ([]model.Member, string, error) {
			ms, err := c.ListMembers(ctx)
			return ms, "", err
		},
	})
	p.members.Table.SetSource(rows{p})
	return p
}

// Title implements app.Page.
func (p *Page) Title() string { return "Members" }

// Capturing implements app.Page: the list never types.
func (p *Page) Capturing() bool { return false }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) { p.members.SetSize(w, h) }

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.members.SetFocused(f) }

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := p.members.Update(msg); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case app.Pop:
		return p, p.outcome(msg.Result)
	case tea.KeyMsg:
		return p, p.key(msg)
	case app.Done:
		if o, ok := msg.Msg.(owned); ok {
			if msg.Err != nil {
				return p, app.Fail(msg.Err)
			}
			return p, p.openDeactivateOwning(o)
		}
	}
	return p, nil
}

// outcome takes what a form did.
func (p *Page) outcome(result any) tea.Cmd {
	switch r := result.(type) {
	case changed:
		p.members.Put(r.member)
		return app.Info(r.what)
	case deactivatedRotate:
		p.members.Put(r.member)
		// The status after the push: the push clears what the page said.
		return tea.Sequence(rotation.Open(p.ctx, p, r.keys, p.members.W, p.members.H), app.Info(r.what+" Now rotate their keys."))
	case rotation.Kept:
		return app.Info(r.Text)
	case rotation.Finished:
		return r.Status()
	case note:
		if r.text == "" {
			return nil
		}
		return app.Info(r.text)
	case flows.Gone:
		return app.Info(r.Text)
	}
	return nil
}

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	if p.members.Denied() != "" || p.members.Table.Update(msg, km) {
		return nil
	}
	if key.Matches(msg, km.New) {
		return p.openAdd()
	}
	m, ok := p.members.Selected()
	if !ok {
		return nil
	}
	if key.Matches(msg, km.Open) {
		return app.Push(p, p.details(m))
	}
	return p.action(p, msg, m)
}

// action handles the keys that act on one member.
func (p *Page) action(from any, msg tea.KeyMsg, m model.Member) tea.Cmd {
	km := p.ctx.Keys
	switch {
	case key.Matches(msg, km.SetType):
		return p.openSetType(from, m)
	case key.Matches(msg, km.ToggleActive):
		return p.openToggle(from, m)
	}
	return nil
}

// canSetType reports whether the member may give m another account type.
func (p *Page) canSetType(m model.Member) bool {
	_, err := p.typeChoices(model.MemberSetType, m)
	return err == nil
}

// canToggle reports whether the member may deactivate (or reactivate) m.
func (p *Page) canToggle(m model.Member) bool { return p.change(toggle(m), m).Check() == nil }

// details is the flow showing m, following it as it changes anywhere.
func (p *Page) details(m model.Member) *flows.Details {
	c, id := p.ctx.Client, m.ID
	return flows.NewDetails(p.ctx, m, flows.DetailsSpec{
		Kind: client.NoticeMember, ID: id,
		Get: func(ctx context.Context) (any, error) { return memberByID(ctx, c, id) },
		Show: func(row any) (string, []detail.Field, string) {
			m := row.(model.Member)
			return "“" + model.Sanitize(m.Name) + "”", p.fields(m), ""
		},
		Keys: func(d *flows.Details, row any, msg tea.KeyMsg) tea.Cmd { return p.action(d, msg, row.(model.Member)) },
		Help: func(row any) []key.Binding { return p.actions(row.(model.Member)) },
		Result: func(d *flows.Details, pop app.Pop) tea.Cmd {
			if r, ok := pop.Result.(changed); ok {
				d.Set(r.member)
			}
			return p.outcome(pop.Result)
		},
	})
}

// memberByID reads one member: the client lists them, a workspace's worth.
func memberByID(ctx context.Context, c client.Client, id string) (model.Member, error) {
	ms, err := c.ListMembers(ctx)
	if err != nil {
		return model.Member{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return model.Member{}, model.NotFound("That member no longer exists.")
}

func (p *Page) fields(m model.Member) []detail.Field {
	loc := p.ctx.Policy.Loc()
	fields := []detail.Field{
		{Label: "Name", Value: model.Sanitize(m.Name)},
		{Label: "Email", Value: model.Sanitize(m.Email)},
		{Label: "ID", Value: m.ID},
		{Label: "Account type", Value: m.AccountType.Label()},
		{Label: "Status", Value: statusWord(m)},
		{Label: "Added", Value: model.When(m.CreatedAt, loc)},
	}
	if len(m.SSHKeys) == 0 {
		fields = append(fields, detail.Field{Label: "SSH keys", Value: "none — this member can't sign in over SSH"})
	}
	for i, k := range m.SSHKeys {
		label := ""
		if i == 0 {
			label = "SSH keys"
		}
		v := k.Fingerprint
		if k.Comment != "" {
			v += " " + model.Sanitize(k.Comment)
		}
		fields = append(fields, detail.Field{Label: label, Value: v})
	}
	return fields
}

func statusWord(m model.Member) string {
	if m.Active() {
		return "Active"
	}
	return "Deactivated"
}

// ShortHelp implements app.Page.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	if p.members.Denied() != "" {
		return nil
	}
	var out []key.Binding
	if _, err := p.typeChoices(model.MemberAdd, model.Member{}); err == nil {
		out = append(out, keymap.With(km.New, "add member"))
	}
	m, ok := p.members.Selected()
	if ok {
		out = append(out, km.Open)
		out = append(out, p.actions(m)...)
	}
	return out
}

// actions are the bindings that act on m, where the member may.
func (p *Page) actions(m model.Member) []key.Binding {
	km := p.ctx.Keys
	var out []key.Binding
	if p.canSetType(m) {
		out = append(out, km.SetType)
	}
	if p.canToggle(m) {
		out = append(out, keymap.With(km.ToggleActive, string(toggle(m))))
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{keymap.With(km.New, "add member"), km.Open, km.SetType, keymap.With(km.ToggleActive, "deactivate/reactivate")},
		{km.Up, km.Down, km.Top, km.Bottom, km.PageUp, km.PageDown},
	}
}

// View implements tea.Model.
func (p *Page) View() string {
	return p.members.View("", func(title string) string {
		st := p.ctx.Styles
		ms := p.members.Items
		active := 0
		for _, m := range ms {
			if m.Active() {
				active++
			}
		}
		count := fmt.Sprintf(" (%d", len(ms))
		if active != len(ms) {
			count += fmt.Sprintf(", %d deactivated", len(ms)-active)
		}
		return title + st.Subtle.Render(count+")") + "\n\n" + p.members.Table.View()
	})
}

// rows adapts the members to table.Source.
type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.members.Items) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	m := r.p.members.Items[row]
	tone := table.Normal
	if !m.Active() {
		tone = table.Dim
	}
	switch col {
	case colName:
		name := model.Sanitize(m.Name)
		if m.ID == r.p.ctx.Me.ID {
			name += " (you)"
		}
		return name, tone
	case colEmail:
		return model.Sanitize(m.Email), table.Dim
	case colType:
		return m.AccountType.Label(), tone
	case colStatus:
		return statusWord(m), tone
	case colSSH:
		return strings.TrimSpace(fmt.Sprintf("%d", len(m.SSHKeys))), tone
	}
	return "", tone
}
