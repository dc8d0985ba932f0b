// Package audit is the Audit log page: events newest first, a filter by event
// type, actor and key (asked of the backend, which searches the whole log),
// and every field of an event on enter, where j/k step to the next and
// previous event.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	colTime:    {Title: "Time", Width: 20, Priority: 0},
	colEvent:   {Title: "Event", Width: 22, Min: 14, Priority: 0},
	colActor:   {Title: "Actor", Width: 14, Min: 10, Priority: 1},
	colSubject: {Title: "Subject", Width: 24, Min: 12, Priority: 2, Flex: true, Squeeze: true}, // before Source at 80 columns
	colSource:  {Title: "Source", Width: 6, Priority: 3},
}

// Page is the Audit log page.
type Page struct {
	ctx      *app.Context
	events   *listing.List[model.AuditEvent] // Items: the events loaded, as the filter asked
	subjects []string                        // subject(Items[i]), read once per load rather than per frame
	typ      model.EventType
	by       filter   // actor and key
	loading  bool     // the rest is being fetched
	seen     choosing // the actors and keys of every event loaded, for the filter's pickers
}

// filter is the filter's actor and key, asked of the backend with the type.
type filter struct {
	actor string // Actor.ID, "" anyone
	key   string // a key id, "" any
}

// choosing is what the filter's pickers offer: the actors and keys of the
// events loaded while the page was open, in the order first seen, newest first.
type choosing struct {
	actors, keys []huh.Option[string]
	names        map[string]string // actor id → name, key id → subject
}

func (c *choosing) add(es []model.AuditEvent) {
	if c.names == nil {
		c.names = map[string]string{}
	}
	for _, e := range es {
		if _, ok := c.names["a:"+e.Actor.ID]; !ok {
			c.names["a:"+e.Actor.ID] = actorName(e.Actor)
			c.actors = append(c.actors, huh.NewOption(actorName(e.Actor)+" ("+model.Sanitize(e.Actor.ID)+")", e.Actor.ID))
		}
		for _, id := range e.KeyIDs() {
			if _, ok := c.names["k:"+id]; !ok {
				c.names["k:"+id] = subject(e)
				c.keys = append(c.keys, huh.NewOption(subject(e)+" ("+model.Sanitize(id)+")", id))
			}
		}
	}
}

// choice is what the filter form gives back.
type choice struct {
	typ model.EventType
	by  filter
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
			p.took(es)
			p.loading = false
		},
	})
	p.events.Table.SetSource(rows{p})
	return p
}

// took reads the subjects and choices of es, the rows just loaded.
func (p *Page) took(es []model.AuditEvent) {
	for _, e := range es {
		p.subjects = append(p.subjects, subject(e))
	}
	p.seen.add(es)
}

// wantMore reports whether to fetch the next page: the cursor (which j/k,
// the wheel and a click move) nears the end of the rows.
func (p *Page) wantMore() bool {
	l := p.events
	return l.More != "" && !p.loading && l.Table.Cursor() >= len(l.Items)-l.H
}

// filter is the query for the events shown, from token on.
func (p *Page) filter(token string) client.EventFilter {
	f := client.EventFilter{Limit: pageSize, PageToken: token, Actor: p.by.actor, Key: p.by.key}
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
		if _, wheel := msg.(tea.MouseMsg); wheel && p.events.Denied() == "" && p.wantMore() {
			return p, tea.Batch(cmd, p.loadMore()) // scrolled near the end, as j does
		}
		return p, cmd
	}
	switch msg := msg.(type) {
	case app.Done:
		if m, ok := msg.Msg.(more); ok {
			p.loading = false
			if msg.Err == nil {
				p.events.Items = append(p.events.Items, m.page.Events...)
				p.took(m.page.Events)
				p.events.More = m.page.NextPageToken
			}
			return p, nil
		}
	case app.Pop:
		if c, ok := msg.Result.(choice); ok {
			if c.typ == p.typ && c.by == p.by {
				return p, nil
			}
			p.typ, p.by = c.typ, c.by
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
		if p.wantMore() {
			return p.loadMore()
		}
		return nil
	}
	switch {
	case key.Matches(msg, km.EventType, km.Filter):
		return p.openFilter()
	case key.Matches(msg, km.Back) && (p.typ != "" || p.by != filter{}):
		p.typ, p.by = "", filter{}
		l.Table.SetCursor(0)
		return l.Load(false, false)
	case key.Matches(msg, km.Open):
		if e, ok := l.Selected(); ok {
			return app.Push(p, p.details(e))
		}
	}
	return nil
}

func (p *Page) openFilter() tea.Cmd {
	c := choice{typ: p.typ, by: p.by}
	if c.typ == "" {
		c.typ = all
	}
	types := []huh.Option[model.EventType]{huh.NewOption("All events", all)}
	for _, t := range model.EventTypes {
		types = append(types, huh.NewOption(string(t), t))
	}
	actors, keys := p.choices()
	room := form.Room(p.events.H, nil) / 3
	return app.Push(p, flows.NewForm(p.ctx, flows.Spec{
		Title: "Show events",
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(
				form.Fit(huh.NewSelect[model.EventType]().Title("Of type").Options(types...).Value(&c.typ), len(types), room),
				form.Fit(huh.NewSelect[string]().Title("By").Options(actors...).Value(&c.by.actor), len(actors), room),
				form.Fit(huh.NewSelect[string]().Title("About the key").Options(keys...).Value(&c.by.key), len(keys), room)))
		},
		Submit: func() (flows.Send, error) {
			if c.typ == all {
				c.typ = ""
			}
			return flows.Send{Result: c}, nil
		},
	}))
}

// choices are the actors and keys of the events loaded while the page was
// open (and the ones the filter names), for the filter's pickers; `/` in a
// picker narrows it by what is typed, a name or an id.
func (p *Page) choices() (actors, keys []huh.Option[string]) {
	actors = append([]huh.Option[string]{huh.NewOption("Anyone", "")}, p.seen.actors...)
	keys = append([]huh.Option[string]{huh.NewOption("Any key or none", "")}, p.seen.keys...)
	if _, ok := p.seen.names["a:"+p.by.actor]; !ok && p.by.actor != "" {
		actors = append(actors, huh.NewOption(model.Sanitize(p.by.actor), p.by.actor))
	}
	if _, ok := p.seen.names["k:"+p.by.key]; !ok && p.by.key != "" {
		keys = append(keys, huh.NewOption(model.Sanitize(p.by.key), p.by.key))
	}
	return actors, keys
}

// step is the event by rows after e among those shown (j/k in its details).
func (p *Page) step(row any, by int) (any, bool) {
	e := row.(model.AuditEvent)
	l := p.events
	i := slices.IndexFunc(l.Items, func(o model.AuditEvent) bool { return o.ID == e.ID })
	if i < 0 || i+by < 0 || i+by >= len(l.Items) {
		return nil, false
	}
	l.Table.SetCursor(i + by)
	return l.Items[i+by], true
}

// details shows every field of e; an event never changes.
func (p *Page) details(e model.AuditEvent) *flows.Details {
	return flows.NewDetails(p.ctx, e, flows.DetailsSpec{
		Show: func(row any) (string, []detail.Field, string) {
			e := row.(model.AuditEvent)
			i := slices.IndexFunc(p.events.Items, func(o model.AuditEvent) bool { return o.ID == e.ID })
			return string(e.Type) + "  " + listing.Position(i, len(p.events.Items), len(p.events.Items)), p.fields(e), ""
		},
		Step: p.step,
		Help: func(any) []key.Binding {
			km := p.ctx.Keys
			return []key.Binding{keymap.With(km.Down, "next event"), keymap.With(km.Up, "previous event"), keymap.With(km.PageDown, "scroll")}
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
	return model.Sanitize(a.Label())
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
	out := []key.Binding{km.Open, keymap.With(km.Filter, "filter")}
	if p.typ != "" || p.by != (filter{}) {
		out = append(out, keymap.With(km.Back, "all events"))
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{km.Open, keymap.With(km.Filter, "filter by type, actor, key"), keymap.With(km.EventType, "filter by type, actor, key")},
		{km.Up, km.Down, km.Top, km.Bottom, km.PageUp, km.PageDown},
	}
}

// View implements tea.Model.
func (p *Page) View() string {
	return p.events.View("", func(title string) string {
		st := p.ctx.Styles
		what := p.describe()
		more := ""
		if p.events.More != "" {
			more = "+"
		}
		count := fmt.Sprintf(" (%d%s", len(p.events.Items), more)
		head := title + st.Subtle.Render(count+", "+what+", newest first)") + "\n"
		if len(p.events.Items) == 0 {
			empty := "No events yet."
			if p.typ != "" || p.by != (filter{}) {
				empty = "No event matches. Press esc to show all events."
			}
			return head + "\n" + p.events.Para(st.Subtle.Render(empty))
		}
		return head + "\n" + p.events.Table.View()
	})
}

// describe is the filter in words: "all events", "ApiKeyCreated by Ana Lima
// about Nightly import".
func (p *Page) describe() string {
	what := "all events"
	switch {
	case p.typ != "":
		what = string(p.typ) + " only"
	case p.by != filter{}:
		what = "events"
	}
	if p.by.actor != "" {
		name, ok := p.seen.names["a:"+p.by.actor]
		if !ok {
			name = model.Sanitize(p.by.actor)
		}
		what += " by " + name
	}
	if p.by.key != "" {
		name, ok := p.seen.names["k:"+p.by.key]
		if !ok || name == "" {
			name = model.Sanitize(p.by.key)
		}
		what += " about " + name
	}
	return what
}

// rows adapts the events to table.Source.
type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.events.Items) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	e := &r.p.events.Items[row]
	switch col {
	case colTime:
		return e.EventTimestamp.In(r.p.ctx.Policy.Loc()).Format("2006-01-02 15:04 MST"), table.Dim
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
