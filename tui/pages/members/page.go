// Package members is the Members page: the list of members, their details, and
// the forms to add a member, change an account type, deactivate and reactivate —
// each offered only where model.MemberChange allows it; the backend decides.
package members

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/field"
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
	members *listing.List[model.Member] // Items: the members the filter keeps
	all     []model.Member              // every member, as loaded
	hay     []string                    // haystack(all[i]), made once per load

	filter    textinput.Model
	filtering bool   // the filter field has the keyboard
	query     string // the filter applied
}

// sorts are the orders `s` cycles through: name first, as people look for
// one another.
var sorts = []listing.SortBy[model.Member]{
	{Name: "name", Col: colName, Cmp: func(a, b model.Member) int { return cmpFold(a.Name, b.Name) }},
	{Name: "email", Col: colEmail, Cmp: func(a, b model.Member) int { return strings.Compare(a.Email, b.Email) }},
	{Name: "account type", Col: colType, Cmp: func(a, b model.Member) int {
		return slices.Index(model.AccountTypes, a.AccountType) - slices.Index(model.AccountTypes, b.AccountType)
	}},
	{Name: "status", Col: colStatus, Cmp: func(a, b model.Member) int { return strings.Compare(string(a.Status), string(b.Status)) }},
	{Name: "added", Col: -1, Desc: true, Cmp: func(a, b model.Member) int { return a.CreatedAt.Compare(b.CreatedAt) }},
}

// cmpFold orders names case-insensitively without allocating: a sort of
// 10,000 members compares 130,000 times.
func cmpFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if la, lb := unicode.ToLower(ra), unicode.ToLower(rb); la != lb {
			return cmp.Compare(la, lb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// New makes the page.
func New(ctx *app.Context) *Page {
	c := ctx.Client
	st := ctx.Styles
	f := field.New(st, "Filter: ", "name, email, account type, status")
	p := &Page{ctx: ctx, filter: f}
	p.members = listing.New(ctx, columns, listing.Config[model.Member]{
		Title: "Members", What: "members", Need: model.ActViewMembers,
		Follows: []client.NoticeKind{client.NoticeMember}, OnVisit: true,
		ID: func(m model.Member) string { return m.ID },
		Fetch: func(ctx context.Context) ([]model.Member, string, error) {
			ms, err := c.ListMembers(ctx)
			return ms, "", err
		},
		Loaded: func(ms []model.Member) {
			p.all, p.hay = slices.Clone(ms), p.hay[:0]
			p.refilter()
		},
		Sort: sorts, SortTie: func(a, b model.Member) int { return strings.Compare(a.ID, b.ID) },
	})
	p.members.Table.SetSource(rows{p})
	return p
}

// haystack is what the filter searches in m: the name, email, account type
// and status, lower-cased.
func haystack(m model.Member) string {
	return strings.ToLower(m.Name + "\x00" + m.Email + "\x00" + m.AccountType.Label() + "\x00" + string(m.AccountType) + "\x00" + statusWord(m))
}

// matches reports whether m shows under the filter q: every word of q in
// the name, email, account type or status, case-insensitively.
func matches(m model.Member, q string) bool {
	return matchesIn(haystack(m), strings.Fields(strings.ToLower(q)))
}

func matchesIn(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// refilter shows the members the filter keeps, in the chosen order, with the
// cursor on the same member where it still shows.
func (p *Page) refilter() {
	l := p.members
	sel, had := l.Selected()
	l.Items = l.Items[:0:0]
	if len(p.hay) != len(p.all) {
		p.hay = p.hay[:0]
		for _, m := range p.all {
			p.hay = append(p.hay, haystack(m))
		}
	}
	words := strings.Fields(strings.ToLower(p.query))
	for i, m := range p.all {
		if matchesIn(p.hay[i], words) {
			l.Items = append(l.Items, m)
		}
	}
	l.Sort.Apply(l.Items)
	l.Table.SetCursor(0)
	for i := range l.Items {
		if had && l.Items[i].ID == sel.ID {
			l.Table.SetCursor(i)
		}
	}
}

// put shows m as this member just changed it, in place (or new, in its place
// in the order), before the change feed reads the list again.
func (p *Page) put(m model.Member) {
	if i := slices.IndexFunc(p.all, func(o model.Member) bool { return o.ID == m.ID }); i >= 0 {
		p.all[i] = m
		if i < len(p.hay) {
			p.hay[i] = haystack(m)
		}
	} else {
		p.all = append(p.all, m)
		if len(p.hay) == len(p.all)-1 {
			p.hay = append(p.hay, haystack(m))
		}
	}
	if matches(m, p.query) {
		p.members.Put(m)
	}
}

// Title implements app.Page.
func (p *Page) Title() string { return "Members" }

// Capturing implements app.Page: the filter field takes every key.
func (p *Page) Capturing() bool { return p.filtering }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) {
	p.members.SetSize(w, h)
	p.filter.Width = max(w-len(p.filter.Prompt)-2, 1)
}

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
		p.put(r.member)
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
	if p.filtering {
		return p.filterKey(msg)
	}
	if p.members.Denied() != "" || !p.members.Ready() || p.members.Table.Update(msg, km) {
		return nil
	}
	if cmd, ok := p.members.SortKey(msg); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, km.New):
		return p.openAdd()
	case key.Matches(msg, km.Filter):
		p.filtering = true
		p.filter.SetValue(p.query)
		p.filter.CursorEnd()
		return p.filter.Focus()
	case key.Matches(msg, km.Back) && p.query != "":
		p.query = ""
		p.refilter()
		return nil
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

// filterKey types into the filter: the list follows each keystroke; enter
// keeps the filter, esc clears it.
func (p *Page) filterKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter:
		p.filtering = false
		p.filter.Blur()
		return nil
	case tea.KeyEsc:
		p.filtering = false
		p.filter.Blur()
		p.query = ""
		p.refilter()
		return nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if v := p.filter.Value(); v != p.query {
		p.query = v
		p.refilter()
	}
	return cmd
}

// action handles the keys that act on one member.
func (p *Page) action(from any, msg tea.KeyMsg, m model.Member) tea.Cmd {
	km := p.ctx.Keys
	switch {
	case key.Matches(msg, km.SetType):
		return p.openSetType(from, m)
	case key.Matches(msg, km.ToggleActive):
		return p.openToggle(from, m)
	case key.Matches(msg, km.AddSSHKey) && p.canSSH(model.MemberAddSSHKey, m):
		return p.openAddSSHKey(from, m)
	case key.Matches(msg, km.RemoveSSHKey) && len(m.SSHKeys) > 0 && p.canSSH(model.MemberRemoveSSHKey, m):
		return p.openRemoveSSHKey(from, m)
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
	if p.filtering {
		return []key.Binding{keymap.With(km.Open, "keep filter"), keymap.With(km.Back, "clear filter")}
	}
	var out []key.Binding
	if _, err := p.typeChoices(model.MemberAdd, model.Member{}); err == nil {
		out = append(out, keymap.With(km.New, "add member"))
	}
	m, ok := p.members.Selected()
	if ok {
		out = append(out, km.Open)
	}
	out = append(out, km.Filter, km.Sort)
	if ok {
		out = append(out, p.actions(m)...)
	}
	if p.query != "" {
		out = append(out, keymap.With(km.Back, "clear filter"))
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
	if p.canSSH(model.MemberAddSSHKey, m) {
		out = append(out, km.AddSSHKey)
	}
	if len(m.SSHKeys) > 0 && p.canSSH(model.MemberRemoveSSHKey, m) {
		out = append(out, km.RemoveSSHKey)
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{keymap.With(km.New, "add member"), km.Open, km.SetType, keymap.With(km.ToggleActive, "deactivate/reactivate"), km.AddSSHKey, km.RemoveSSHKey},
		{km.Filter, km.Sort, km.Reverse, km.Up, km.Down, km.Top, km.Bottom, km.PageUp, km.PageDown},
	}
}

// View implements tea.Model.
func (p *Page) View() string {
	return p.members.View("", func(title string) string {
		st := p.ctx.Styles
		ms := p.all
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
		count += ")"
		if n := len(p.members.Items); n > 0 {
			count += "  " + listing.Position(p.members.Table.Cursor(), n, len(ms))
		}
		line := ""
		switch {
		case p.filtering:
			line = p.filter.View()
		case p.query != "":
			line = st.Subtle.Render("Filter: ") + st.Text.Render(model.Sanitize(p.query)) + st.Faint.Render("  (/ to change, esc to clear)")
		}
		body := p.members.Table.View()
		if len(p.members.Items) == 0 && p.query != "" {
			body = p.members.Para(st.Subtle.Render("No member matches " + model.Quote(p.query) + "."))
		}
		return title + st.Subtle.Render(count) + "\n" + line + "\n" + body
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
