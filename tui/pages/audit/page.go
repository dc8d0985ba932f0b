// Package audit is the Audit log page: events newest first, a filter by event
// type, and every field of an event on enter.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// pageSize is how many events one call fetches; more load as the cursor nears
// the end.
const pageSize = 200

type mode int

const (
	listMode mode = iota
	detailMode
	formMode
)

// loaded is a page of events; more is true when it continues the list.
type loaded struct {
	page client.EventPage
	more bool
}

const (
	colTime = iota
	colEvent
	colActor
	colSubject
	colSource
)

var columns = []table.Column{
	colTime:    {Title: "Time", Width: 16, Priority: 0},
	colEvent:   {Title: "Event", Width: 22, Min: 14, Priority: 0},
	colActor:   {Title: "Actor", Width: 14, Min: 10, Priority: 1},
	colSubject: {Title: "Subject", Width: 24, Min: 12, Priority: 2, Flex: true},
	colSource:  {Title: "Source", Width: 6, Priority: 3},
}

// Page is the Audit log page.
type Page struct {
	ctx  *app.Context
	w, h int
	mode mode

	denied  string
	loadErr error
	ready   bool
	loading bool

	events   []model.AuditEvent
	subjects []string // subject(events[i]), read once per load rather than per frame
	next     string   // page token of the rest, "" at the end
	typ      model.EventType
	table    table.Model

	detail detail.Model
	form   *form.Form
	choice model.EventType
}

// New makes the page.
func New(ctx *app.Context) *Page {
	return &Page{ctx: ctx, table: table.New(ctx.Styles, columns)}
}

// Title implements app.Page.
func (p *Page) Title() string { return "Audit log" }

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

func (p *Page) load(token string) tea.Cmd {
	p.loading = true
	c := p.ctx.Client
	f := client.EventFilter{Limit: pageSize, PageToken: token}
	if p.typ != "" {
		f.Types = []model.EventType{p.typ}
	}
	return p.ctx.Call("Loading the audit log", func(ctx context.Context) (tea.Msg, error) {
		pg, err := c.ListEvents(ctx, f)
		return loaded{pg, token != ""}, err
	})
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case app.Session:
		if err := model.Require(msg.Me.AccountType, model.ActReadAudit, ""); err != nil {
			p.denied = err.Error()
		}
	case app.Activated:
		// Reload on every visit: changes made on other pages (or by others)
		// since the last one should show without ctrl+r.
		if p.denied == "" && p.mode != formMode {
			return p, p.load("")
		}
	case app.Reload:
		if p.denied == "" && p.mode != formMode {
			return p, p.load("")
		}
	case app.Done:
		if m, ok := msg.Msg.(loaded); ok {
			p.loaded(m, msg.Err)
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	default:
		if p.mode == formMode {
			return p, p.updateForm(msg)
		}
	}
	return p, nil
}

func (p *Page) loaded(m loaded, err error) {
	p.loading = false
	if err != nil {
		if model.KindOf(err) == model.KindForbidden {
			p.denied = app.Message(err)
		}
		p.loadErr = err
		return
	}
	p.ready, p.loadErr = true, nil
	if m.more {
		p.events = append(p.events, m.page.Events...)
	} else {
		p.events, p.subjects = m.page.Events, nil
		p.table.SetCursor(0)
	}
	for _, e := range m.page.Events {
		p.subjects = append(p.subjects, subject(e))
	}
	p.next = m.page.NextPageToken
	p.table.SetSource(rows{p})
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
		}
		return nil
	}
	if p.denied != "" {
		return nil
	}
	if p.table.Update(msg, km) {
		// Fetch the next page before the cursor reaches the end.
		if p.next != "" && !p.loading && p.table.Cursor() >= len(p.events)-p.h {
			return p.load(p.next)
		}
		return nil
	}
	switch {
	case key.Matches(msg, km.EventType, km.Filter):
		return p.openFilter()
	case key.Matches(msg, km.Back) && p.typ != "":
		p.typ = ""
		return p.load("")
	case key.Matches(msg, km.Open) && len(p.events) > 0:
		p.showDetails(p.events[p.table.Cursor()])
	}
	return nil
}

func (p *Page) openFilter() tea.Cmd {
	p.choice = p.typ
	opts := []huh.Option[model.EventType]{huh.NewOption("All events", model.EventType(""))}
	for _, t := range model.EventTypes {
		opts = append(opts, huh.NewOption(string(t), t))
	}
	p.form = form.New(p.ctx, "Show events of type", nil, func() *huh.Form {
		return huh.NewForm(huh.NewGroup(huh.NewSelect[model.EventType]().Options(opts...).Value(&p.choice)))
	})
	p.form.SetSize(p.w, p.h)
	p.mode = formMode
	return p.form.Init()
}

func (p *Page) updateForm(msg tea.Msg) tea.Cmd {
	cmd := p.form.Update(msg)
	switch p.form.State() {
	case form.Submitted:
		p.form, p.mode = nil, listMode
		p.typ = p.choice
		return tea.Batch(cmd, p.load(""))
	case form.Cancelled:
		p.form, p.mode = nil, listMode
	}
	return cmd
}

func (p *Page) showDetails(e model.AuditEvent) {
	loc := p.ctx.Policy.Loc()
	actor := actorName(e.Actor)
	if e.Actor.Email != "" {
		actor += " <" + model.Sanitize(e.Actor.Email) + ">"
	}
	fields := []detail.Field{
		{Label: "Event", Value: string(e.Type)},
		{Label: "When", Value: model.When(e.EventTimestamp, loc)},
		{Label: "Stored", Value: model.When(e.IngestionTimestamp, loc)},
		{Label: "Actor", Value: actor + " (" + string(e.Actor.Type) + " " + model.Sanitize(e.Actor.ID) + ")"},
		{Label: "Source", Value: string(e.Source)},
		{Label: "Event ID", Value: model.Sanitize(e.ID)},
	}
	for i, l := range payloadLines(e) {
		label := ""
		if i == 0 {
			label = "Payload"
		}
		fields = append(fields, detail.Field{Label: label, Value: l})
	}
	p.detail = detail.New(p.ctx.Styles, string(e.Type), fields)
	p.detail.SetSize(p.w, p.h)
	p.mode = detailMode
}

// payloadLines is the payload of e's type, indented, one sanitised line each; a
// payload that doesn't read as its type is shown as stored.
func payloadLines(e model.AuditEvent) []string {
	if len(e.Payload) == 0 {
		return []string{"—"}
	}
	p, err := e.Decode()
	if err != nil {
		return []string{model.Sanitize(string(e.Payload))}
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return []string{model.Sanitize(string(e.Payload))}
	}
	lines := strings.Split(string(b), "\n")
	for i := range lines {
		lines[i] = model.Sanitize(lines[i])
	}
	return lines
}

func actorName(a model.Actor) string {
	switch {
	case a.Name != "":
		return model.Sanitize(a.Name)
	case a.Type == model.ActorSystem:
		return "system"
	}
	return model.Sanitize(a.ID)
}

// subject is what the event is about, from its payload: a key's name, a member.
func subject(e model.AuditEvent) string {
	p, err := e.Decode()
	if err != nil {
		return ""
	}
	return model.Sanitize(p.Subject())
}

// ShortHelp implements app.Page.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	switch {
	case p.mode == formMode:
		return p.form.Help()
	case p.mode == detailMode:
		return []key.Binding{keymap.With(km.Back, "back"), km.Up, km.Down}
	case p.denied != "":
		return nil
	}
	out := []key.Binding{km.Open, keymap.With(km.Filter, "event type")}
	if p.typ != "" {
		out = append(out, keymap.With(km.Back, "all events"))
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{km.Open, keymap.With(km.Filter, "filter by event type"), keymap.With(km.EventType, "filter by event type")},
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
	title := st.PageTitle.Render("Audit log")
	switch {
	case p.denied != "":
		return title + "\n\n" + para.Render(st.Warn.Render(p.denied))
	case !p.ready && p.loadErr != nil:
		return title + "\n\n" + para.Render(st.Error.Render("✗ Couldn't load the audit log: "+app.Message(p.loadErr))) +
			"\n\n" + st.Subtle.Render("Press ctrl+r to try again.")
	case !p.ready:
		return title + "\n\n" + st.Subtle.Render("Loading…")
	}
	what := "all events"
	if p.typ != "" {
		what = string(p.typ) + " only"
	}
	count := fmt.Sprintf(" (%d", len(p.events))
	if p.next != "" {
		count += "+"
	}
	head := title + st.Subtle.Render(count+", "+what+", newest first)") + "\n"
	if len(p.events) == 0 {
		return head + "\n" + para.Render(st.Subtle.Render("No events yet."))
	}
	return head + "\n" + p.table.View()
}

// rows adapts the events to table.Source.
type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.events) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	e := &r.p.events[row]
	switch col {
	case colTime:
		return e.EventTimestamp.In(r.p.ctx.Policy.Loc()).Format("2006-01-02 15:04"), table.Dim
	case colEvent:
		return string(e.Type), table.Normal
	case colActor:
		return actorName(e.Actor), table.Normal
	case colSubject:
		return r.p.subjects[row], table.Normal
	case colSource:
		return string(e.Source), table.Dim
	}
	return "", table.Normal
}
