// Package webhooks is the Webhooks page: the endpoints, a form to add one (its
// signing secret shown once in the secret panel), enable/disable, and each
// endpoint's recent deliveries with their status and next retry.
package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

type mode int

const (
	listMode mode = iota
	deliveriesMode
	formMode
	secretMode
)

type (
	loaded     struct{ endpoints []model.WebhookEndpoint }
	deliveries struct {
		endpoint string
		list     []client.DeliveryView
	}
	added struct {
		endpoint model.WebhookEndpoint
		secret   model.Secret
	}
	toggled struct{ endpoint model.WebhookEndpoint }
)

var columns = []table.Column{
	{Title: "URL", Width: 30, Min: 16, Priority: 0, Flex: true},
	{Title: "Events", Width: 26, Min: 12, Priority: 2},
	{Title: "Format", Width: 8, Priority: 3},
	{Title: "State", Width: 18, Min: 8, Priority: 0},
}

var deliveryColumns = []table.Column{
	{Title: "Event", Width: 16, Priority: 0},
	{Title: "Created", Width: 21, Priority: 2},
	{Title: "State", Width: 9, Priority: 0},
	{Title: "Tries", Width: 5, Priority: 3},
	{Title: "Last answer", Width: 22, Min: 8, Priority: 1, Flex: true},
	{Title: "Next retry", Width: 21, Priority: 1},
}

// Page is the Webhooks page.
type Page struct {
	ctx   *app.Context
	hooks client.Webhooks
	w, h  int
	mode  mode

	denied  string
	loadErr error
	ready   bool

	endpoints []model.WebhookEndpoint
	table     table.Model

	shown     model.WebhookEndpoint
	delivered []client.DeliveryView
	dtable    table.Model

	form   *form.Form
	vals   values
	secret *secret.Panel
}

type values struct {
	url, description string
	events           []model.WebhookEvent
	format           model.WebhookFormat
}

// New makes the page over the client's webhook side.
func New(ctx *app.Context, hooks client.Webhooks) *Page {
	return &Page{ctx: ctx, hooks: hooks, table: table.New(ctx.Styles, columns), dtable: table.New(ctx.Styles, deliveryColumns)}
}

// Title implements app.Page.
func (p *Page) Title() string { return "Webhooks" }

// Capturing implements app.Page: the form takes every key, and so does the
// secret panel, whose secret is shown only once.
func (p *Page) Capturing() bool { return p.mode == formMode || p.mode == secretMode }

// WantsFullWidth asks for the whole width while the secret is shown.
func (p *Page) WantsFullWidth() bool { return p.mode == secretMode }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, max(h-2, 1))
	p.dtable.SetSize(w, max(h-3, 1))
	if p.form != nil {
		p.form.SetSize(w, h)
	}
	if p.secret != nil {
		p.secret.SetSize(w, h)
	}
}

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.table.Blurred, p.dtable.Blurred = !f, !f }

func (p *Page) selected() (model.WebhookEndpoint, bool) {
	if len(p.endpoints) == 0 {
		return model.WebhookEndpoint{}, false
	}
	return p.endpoints[p.table.Cursor()], true
}

func (p *Page) load() tea.Cmd {
	h := p.hooks
	return p.ctx.Call("Loading webhooks", func(ctx context.Context) (tea.Msg, error) {
		eps, err := h.ListWebhooks(ctx)
		return loaded{eps}, err
	})
}

func (p *Page) loadDeliveries(id string) tea.Cmd {
	h := p.hooks
	return p.ctx.Call("Loading deliveries", func(ctx context.Context) (tea.Msg, error) {
		ds, err := h.ListDeliveries(ctx, client.DeliveryFilter{EndpointID: id, Limit: 50})
		return deliveries{id, ds}, err
	})
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case app.Session:
		if err := model.Require(msg.Me.AccountType, model.ActManageHooks, ""); err != nil {
			p.denied = err.Error()
		}
	case app.Activated, app.Reload:
		if p.denied != "" || p.mode == formMode || p.mode == secretMode {
			return p, nil
		}
		if p.mode == deliveriesMode {
			return p, p.loadDeliveries(p.shown.ID)
		}
		return p, p.load()
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
		p.endpoints, p.ready, p.loadErr = m.endpoints, true, nil
		p.table.SetSource(rows{p})
	case deliveries:
		if d.Err == nil && p.mode == deliveriesMode && m.endpoint == p.shown.ID {
			p.delivered = m.list
			p.dtable.SetSource(deliveryRows{p})
		}
	case added:
		if d.Err != nil {
			if p.form != nil {
				return p.form.Rebuild()
			}
			return nil
		}
		p.form = nil
		p.endpoints = append(p.endpoints, m.endpoint)
		p.table.SetSource(rows{p})
		p.table.SetCursor(len(p.endpoints) - 1)
		if m.endpoint.Format == model.FormatSlack {
			p.mode = listMode
			return app.Info("Added a Slack-format webhook: its deliveries are unsigned, keep the URL secret.")
		}
		p.secret = secret.New(p.ctx, secret.Entry{Name: endpointName(m.endpoint), Type: model.KeyType("signing secret"), Secret: m.secret,
			Note: "The receiver checks each delivery's webhook-signature with it."}).WithTitle("Webhook added").
			WithExplanation("The server keeps it to sign; it is never shown again. If it is lost, remove the webhook and add it again.",
				"Closed without copying the signing secret; remove the webhook and add it again if it is needed.")
		p.secret.SetSize(p.w, p.h)
		p.mode = secretMode
	case toggled:
		if d.Err != nil {
			return nil
		}
		for i := range p.endpoints {
			if p.endpoints[i].ID == m.endpoint.ID {
				p.endpoints[i] = m.endpoint
			}
		}
		word := "enabled"
		if !m.endpoint.Enabled {
			word = "disabled"
		}
		return app.Info("Webhook " + endpointName(m.endpoint) + " " + word + ".")
	}
	return nil
}

func endpointName(w model.WebhookEndpoint) string {
	if w.Description != "" {
		return w.Description
	}
	return model.WebhookURLHint(w.URL)
}

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	switch p.mode {
	case formMode:
		return p.updateForm(msg)
	case secretMode:
		cmd, done := p.secret.Key(msg)
		if done {
			p.secret.Close()
			p.secret, p.mode = nil, listMode
		}
		return cmd
	case deliveriesMode:
		if key.Matches(msg, km.Back) {
			p.mode = listMode
			return nil
		}
		p.dtable.Update(msg, km)
		return nil
	}
	if p.denied != "" || p.table.Update(msg, km) {
		return nil
	}
	if key.Matches(msg, km.New) {
		return p.openAdd()
	}
	w, ok := p.selected()
	switch {
	case !ok:
	case key.Matches(msg, km.Open):
		p.shown, p.delivered, p.mode = w, nil, deliveriesMode
		p.dtable.SetSource(deliveryRows{p})
		return p.loadDeliveries(w.ID)
	case key.Matches(msg, km.ToggleActive):
		h, enable := p.hooks, !w.Enabled
		return p.ctx.Call("Saving", func(ctx context.Context) (tea.Msg, error) {
			ep, err := h.SetWebhookEnabled(ctx, w.ID, enable)
			return toggled{ep}, err
		})
	}
	return nil
}

func (p *Page) openAdd() tea.Cmd {
	p.vals = values{format: model.FormatStandard, events: []model.WebhookEvent{model.HookKeyExpiring, model.HookKeyExpired}}
	var opts []huh.Option[model.WebhookEvent]
	for _, e := range model.WebhookEvents {
		opts = append(opts, huh.NewOption(string(e), e))
	}
	p.form = form.New(p.ctx, "Add a webhook", []string{"Deliveries are signed with a secret shown once, after you add it."}, func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewInput().Title("URL").Placeholder("https://hooks.example.com/apikeys").Value(&p.vals.url).
				Validate(func(s string) error { _, err := model.ValidateWebhookURL(s); return err }),
			huh.NewMultiSelect[model.WebhookEvent]().Title("Events").Options(opts...).Value(&p.vals.events).
				Height(min(len(opts)+1, max(p.h-10, 4))),
			huh.NewSelect[model.WebhookFormat]().Title("Format").Options(
				huh.NewOption("Standard Webhooks (signed JSON)", model.FormatStandard),
				huh.NewOption("Slack-style {\"text\": …} (unsigned)", model.FormatSlack)).Value(&p.vals.format),
			huh.NewInput().Title("Description").Placeholder("optional").Value(&p.vals.description),
		))
	})
	p.form.SetSize(p.w, p.h)
	p.mode = formMode
	return p.form.Init()
}

func (p *Page) updateForm(msg tea.Msg) tea.Cmd {
	cmd := p.form.Update(msg)
	switch p.form.State() {
	case form.Cancelled:
		p.form, p.mode = nil, listMode
		return nil
	case form.Submitted:
		p.form.Sending()
		h, r := p.hooks, client.AddWebhookRequest{URL: p.vals.url, Events: p.vals.events, Format: p.vals.format, Description: p.vals.description}
		return p.ctx.Call("Adding webhook", func(ctx context.Context) (tea.Msg, error) {
			ep, sec, err := h.AddWebhook(ctx, r)
			return added{ep, sec}, err
		})
	}
	return cmd
}

// ShortHelp implements app.Page.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	switch {
	case p.mode == formMode:
		return p.form.Help()
	case p.mode == secretMode:
		return p.secret.Help()
	case p.mode == deliveriesMode:
		return []key.Binding{keymap.With(km.Back, "back")}
	case p.denied != "":
		return nil
	}
	out := []key.Binding{keymap.With(km.New, "add webhook")}
	if w, ok := p.selected(); ok {
		word := "disable"
		if !w.Enabled {
			word = "enable"
		}
		out = append(out, keymap.With(km.Open, "deliveries"), keymap.With(km.ToggleActive, word))
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{keymap.With(km.New, "add webhook"), keymap.With(km.Open, "deliveries"), keymap.With(km.ToggleActive, "enable/disable")},
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
	case secretMode:
		return p.secret.View()
	case deliveriesMode:
		title := st.PageTitle.Render("Deliveries to " + model.Sanitize(endpointName(p.shown)))
		if len(p.delivered) == 0 {
			return title + "\n\n" + st.Subtle.Render("No deliveries yet.")
		}
		return title + "\n" + st.Subtle.Render(model.Sanitize(p.shown.URL)) + "\n\n" + p.dtable.View()
	}
	title := st.PageTitle.Render("Webhooks")
	switch {
	case p.denied != "":
		return title + "\n\n" + para.Render(st.Warn.Render(p.denied))
	case !p.ready && p.loadErr != nil:
		return title + "\n\n" + para.Render(st.Error.Render("✗ Couldn't load webhooks: "+app.Message(p.loadErr))) +
			"\n\n" + st.Subtle.Render("Press ctrl+r to try again.")
	case !p.ready:
		return title + "\n\n" + st.Subtle.Render("Loading…")
	case len(p.endpoints) == 0:
		return title + "\n\n" + para.Render("No webhooks yet. Press n to send expiry alerts and key events to a URL: "+
			"a chat channel, an incident tool or your own receiver.")
	}
	return title + st.Subtle.Render(fmt.Sprintf(" (%d)", len(p.endpoints))) + "\n\n" + p.table.View()
}

type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.endpoints) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	w := r.p.endpoints[row]
	switch col {
	case 0:
		return model.Sanitize(w.URL), table.Normal
	case 1:
		ev := make([]string, len(w.Events))
		for i, e := range w.Events {
			ev[i] = string(e)
		}
		return strings.Join(ev, ", "), table.Dim
	case 2:
		return string(w.Format), table.Dim
	}
	switch {
	case !w.Enabled && w.DisabledReason != "" && strings.HasPrefix(w.DisabledReason, "every delivery failed"):
		return "disabled: failing", table.Bad
	case !w.Enabled:
		return "disabled", table.Dim
	case w.FailingSince != nil:
		return "failing since " + model.When(*w.FailingSince, r.p.ctx.Policy.Loc()), table.Warn
	}
	return "enabled", table.Normal
}

type deliveryRows struct{ p *Page }

func (r deliveryRows) Len() int { return len(r.p.delivered) }

func (r deliveryRows) Cell(row, col int) (string, table.Tone) {
	d := r.p.delivered[row]
	loc := r.p.ctx.Policy.Loc()
	switch col {
	case 0:
		return string(d.Event), table.Normal
	case 1:
		return model.When(d.CreatedAt, loc), table.Dim
	case 2:
		switch d.State {
		case model.DeliveryDelivered:
			return "delivered", table.Good
		case model.DeliveryFailed:
			return "failed", table.Bad
		}
		return "pending", table.Warn
	case 3:
		return strconv.Itoa(d.Attempts), table.Dim
	case 4:
		switch {
		case d.Attempts == 0:
			return "not tried yet", table.Dim
		case d.LastStatus != 0:
			return strconv.Itoa(d.LastStatus) + " " + http.StatusText(d.LastStatus), table.Normal
		}
		return model.Sanitize(d.LastError), table.Normal
	}
	if d.State != model.DeliveryPending || d.NextAttemptAt == nil {
		return "—", table.Dim
	}
	return model.When(*d.NextAttemptAt, loc), table.Normal
}
