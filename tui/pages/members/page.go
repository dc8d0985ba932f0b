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

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

type mode int

const (
	listMode mode = iota
	detailMode
	formMode
)

type loaded struct{ members []model.Member }

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
	ctx  *app.Context
	w, h int
	mode mode

	denied  string
	loadErr error
	ready   bool
	asked   bool // loading was started once

	members []model.Member
	table   table.Model

	shown  model.Member
	detail detail.Model

	form   *form.Form
	kind   formKind
	target model.Member
	back   mode
	vals   values
}

// New makes the page.
func New(ctx *app.Context) *Page {
	return &Page{ctx: ctx, table: table.New(ctx.Styles, columns)}
}

// Title implements app.Page.
func (p *Page) Title() string { return "Members" }

// Capturing implements app.Page.
func (p *Page) Capturing() bool { return p.mode == formMode }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, max(h-2, 1))
	p.detail.SetSize(w, h)
	if p.form != nil {
		p.form.SetSize(w, h)
	}
}

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.table.Blurred = !f }

func (p *Page) selected() (model.Member, bool) {
	if len(p.members) == 0 {
		return model.Member{}, false
	}
	return p.members[p.table.Cursor()], true
}

func (p *Page) load() tea.Cmd {
	p.asked = true
	c := p.ctx.Client
	return p.ctx.Call("Loading members", func(ctx context.Context) (tea.Msg, error) {
		ms, err := c.ListMembers(ctx)
		return loaded{ms}, err
	})
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case app.Session:
		if err := model.Require(msg.Me.AccountType, model.ActViewMembers, ""); err != nil {
			p.denied = err.Error()
		}
	case app.Activated:
		// Reload on every visit: changes made on other pages (or by others)
		// since the last one should show without ctrl+r.
		if p.denied == "" && p.mode != formMode {
			return p, p.load()
		}
	case app.Reload:
		if p.denied == "" && p.mode != formMode {
			return p, p.load()
		}
	case app.Done:
		return p, p.done(msg)
	case tea.KeyMsg:
		return p, p.key(msg)
	default:
		if p.mode == formMode {
			return p, p.updateForm(msg)
		}
	}
	return p, nil
}

func (p *Page) done(d app.Done) tea.Cmd {
	switch m := d.Msg.(type) {
	case loaded:
		if d.Err != nil {
			if model.KindOf(d.Err) == model.KindForbidden {
				p.denied = app.Message(d.Err)
			}
			p.loadErr = d.Err
			return nil
		}
		sel, _ := p.selected()
		p.members, p.ready, p.loadErr = m.members, true, nil
		p.table.SetSource(rows{p})
		p.cursorTo(sel.ID)
	case changed:
		if d.Err != nil {
			if p.form != nil {
				return p.form.Rebuild()
			}
			return nil
		}
		p.closeForm()
		p.put(m.member)
		if p.mode == detailMode {
			p.showDetails(m.member)
		}
		return app.Info(m.what)
	}
	return nil
}

func (p *Page) put(m model.Member) {
	for i := range p.members {
		if p.members[i].ID == m.ID {
			p.members[i] = m
			return
		}
	}
	p.members = append(p.members, m)
	p.table.SetSource(rows{p})
	p.cursorTo(m.ID)
}

func (p *Page) cursorTo(id string) {
	for i := range p.members {
		if p.members[i].ID == id {
			p.table.SetCursor(i)
		}
	}
}

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	switch p.mode {
	case formMode:
		return p.updateForm(msg)
	case detailMode:
		switch {
		case key.Matches(msg, km.Back):
			p.mode = listMode
		case key.Matches(msg, km.Up):
			p.detail.Scroll(-1)
		case key.Matches(msg, km.Down):
			p.detail.Scroll(1)
		default:
			return p.action(msg, p.shown)
		}
		return nil
	}
	if p.denied != "" || p.table.Update(msg, km) {
		return nil
	}
	if key.Matches(msg, km.New) {
		return p.openAdd()
	}
	m, ok := p.selected()
	if !ok {
		return nil
	}
	if key.Matches(msg, km.Open) {
		p.showDetails(m)
		return nil
	}
	return p.action(msg, m)
}

// action handles the keys that act on one member.
func (p *Page) action(msg tea.KeyMsg, m model.Member) tea.Cmd {
	km := p.ctx.Keys
	switch {
	case key.Matches(msg, km.SetType):
		return p.openSetType(m)
	case key.Matches(msg, km.ToggleActive):
		return p.openToggle(m)
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

func (p *Page) showDetails(m model.Member) {
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
	p.shown = m
	p.detail = detail.New(p.ctx.Styles, "“"+model.Sanitize(m.Name)+"”", fields)
	p.detail.SetSize(p.w, p.h)
	p.mode = detailMode
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
	if p.mode == formMode {
		return p.form.Help()
	}
	if p.denied != "" {
		return nil
	}
	var out []key.Binding
	m, ok := p.selected()
	if p.mode == detailMode {
		out, m, ok = append(out, keymap.With(km.Back, "back")), p.shown, true
	} else {
		if _, err := p.typeChoices(model.MemberAdd, model.Member{}); err == nil {
			out = append(out, keymap.With(km.New, "add member"))
		}
		if ok {
			out = append(out, km.Open)
		}
	}
	if ok && p.canSetType(m) {
		out = append(out, km.SetType)
	}
	if ok && p.canToggle(m) {
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
	st := p.ctx.Styles
	para := st.Renderer().NewStyle().Width(max(p.w, 10))
	switch p.mode {
	case formMode:
		return p.form.View()
	case detailMode:
		return p.detail.View()
	}
	title := st.PageTitle.Render("Members")
	switch {
	case p.denied != "":
		return title + "\n\n" + para.Render(st.Warn.Render(p.denied))
	case !p.ready && p.loadErr != nil:
		return title + "\n\n" + para.Render(st.Error.Render("✗ Couldn't load members: "+app.Message(p.loadErr))) +
			"\n\n" + st.Subtle.Render("Press ctrl+r to try again.")
	case !p.ready:
		return title + "\n\n" + st.Subtle.Render("Loading…")
	}
	active := 0
	for _, m := range p.members {
		if m.Active() {
			active++
		}
	}
	count := fmt.Sprintf(" (%d", len(p.members))
	if active != len(p.members) {
		count += fmt.Sprintf(", %d deactivated", len(p.members)-active)
	}
	return title + st.Subtle.Render(count+")") + "\n\n" + p.table.View()
}

// rows adapts the members to table.Source.
type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.members) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	m := r.p.members[row]
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
