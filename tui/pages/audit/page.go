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
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// pageSize is how many events one call fetches; more load as the cursor nears
// the end.
const pageSize = 200

// more is a page of events continuing the list.
type more struct{ page client.EventPage }

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
	colSubject: {Title: "Subject", Width: 24, Min: 12, Priority: 2, Flex: true, Squeeze: true}, // before Source at 80 columns
	colSource:  {Title: "Source", Width: 6, Priority: 3},
}

// Page is the Audit log page.
type Page struct {
	ctx      *app.Context
	events   *listing.List[model.AuditEvent]
	subjects []string // subject(events[i]), read once per load rather than per frame
	typ      model.EventType
	loading  bool // the rest is being fetched
}

// New makes the page.
func New(ctx *app.Context) *Page {
	p := &Page{ctx: ctx}
	c := ctx.Client
	p.events = listing.New(ctx, columns, listing.Config[model.AuditEvent]{
		Title: "Audit log", What: "the audit log", Need: model.ActReadAudit,
		Follows: []client.NoticeKind{client.NoticeEvent}, OnVisit: true,
		ID: func(e model.AuditEvent) string { return e.ID },
		Fetch: func(ctx context.Context) ([]model.AuditEvent, string, error) {
			pg, err := c.ListEvents(ctx, p.filter(""))
			return pg.Events, pg.NextPageToken, err
		},
		Loaded: func(es []model.AuditEvent) {
			p.subjects = p.subjects[:0]
			for _, e := range es {
				p.subjects = append(p.subjects, subject(e))
			}
			p.loading = false
		},
	})
	p.events.Table.SetSource(rows{p})
	return p
}

// filter is the query for the events shown, from token on.
func (p *Page) filter(token string) client.EventFilter {
	f := client.EventFilter{Limit: pageSize, PageToken: token}
	if p.typ != "" {
		f.Types = []model.EventType{p.typ}
	}
	return f
}

// Title implements app.Page.
func (p *Page) Title() string { return "Audit log" }

// Capturing implements app.Page.
func (p *Page) Capturing() bool { return false }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) { p.events.SetSize(w, h) }

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.events.SetFocused(f) }

// loadMore fetches the events after the ones shown.
func (p *Page) loadMore() tea.Cmd {
	p.loading = true
	c, f := p.ctx.Client, p.filter(p.events.More)
	return p.ctx.Call("Loading the audit log", func(ctx context.Context) (tea.Msg, error) {
		pg, err := c.ListEvents(ctx, f)
		return more{pg}, err
	})
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := p.events.Update(msg); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case app.Done:
		if m, ok := msg.Msg.(more); ok {
			p.loading = false
			if msg.Err == nil {
				p.events.Items = append(p.events.Items, m.page.Events...)
				for _, e := range m.page.Events {
					p.subjects = append(p.subjects, subject(e))
				}
				p.events.More = m.page.NextPageToken
			}
		}
	case app.Pop:
		if t, ok := msg.Result.(model.EventType); ok {
			p.typ = t
			if t == all {
				p.typ = ""
			}
			p.events.Table.SetCursor(0)
			return p, p.events.Load(false, false)
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

// all is the filter's choice of every event type.
const all = model.EventType("*")

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	l := p.events
	if l.Denied() != "" {
		return nil
	}
	if l.Table.Update(msg, km) {
		// Fetch the next page before the cursor reaches the end.
		if l.More != "" && !p.loading && l.Table.Cursor() >= len(l.Items)-l.H {
			return p.loadMore()
		}
		return nil
	}
	switch {
	case key.Matches(msg, km.EventType, km.Filter):
		return p.openFilter()
	case key.Matches(msg, km.Back) && p.typ != "":
		p.typ = ""
		return l.Load(false, false)
	case key.Matches(msg, km.Open):
		if e, ok := l.Selected(); ok {
			return app.Push(p, p.details(e))
		}
	}
	return nil
}

func (p *Page) openFilter() tea.Cmd {
	choice := p.typ
	if choice == "" {
		choice = all
	}
	opts := []huh.Option[model.EventType]{huh.NewOption("All events", all)}
	for _, t := range model.EventTypes {
		opts = append(opts, huh.NewOption(string(t), t))
	}
	return app.Push(p, flows.NewForm(p.ctx, flows.Spec{
		Title: "Show events of type",
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewSelect[model.EventType]().Options(opts...).Value(&choice)))
		},
		Submit: func() (flows.Send, error) { return flows.Send{Result: choice}, nil },
	}))
}

// details shows every field of e; an event never changes.
func (p *Page) details(e model.AuditEvent) *flows.Details {
	return flows.NewDetails(p.ctx, e, flows.DetailsSpec{
		Show: func(row any) (string, []detail.Field, string) {
			e := row.(model.AuditEvent)
			return string(e.Type), p.fields(e), ""
		},
	})
}

func (p *Page) fields(e model.AuditEvent) []detail.Field {
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
	return fields
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
	if p.events.Denied() != "" {
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
	return p.events.View("", func(title string) string {
		st := p.ctx.Styles
		what := "all events"
		if p.typ != "" {
			what = string(p.typ) + " only"
		}
		count := fmt.Sprintf(" (%d", len(p.events.Items))
		if p.events.More != "" {
			count += "+"
		}
		head := title + st.Subtle.Render(count+", "+what+", newest first)") + "\n"
		if len(p.events.Items) == 0 {
			return head + "\n" + p.events.Para(st.Subtle.Render("No events yet."))
		}
		return head + "\n" + p.events.Table.View()
	})
}

// rows adapts the events to table.Source.
type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.events.Items) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	e := &r.p.events.Items[row]
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
