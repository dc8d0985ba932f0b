// Package webhooks is the Webhooks page: the endpoints, a form to add one (its
// signing secret shown once in the secret panel), enable/disable, and each
// endpoint's recent deliveries with their status and next retry.
package webhooks

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

type (
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
	ctx       *app.Context
	hooks     client.Webhooks
	endpoints *listing.List[model.WebhookEndpoint]
}

type values struct {
	url, description string
	events           []model.WebhookEvent
	format           model.WebhookFormat
}

// New makes the page over the client's webhook side.
func New(ctx *app.Context, hooks client.Webhooks) *Page {
	p := &Page{ctx: ctx, hooks: hooks}
	p.endpoints = listing.New(ctx, columns, listing.Config[model.WebhookEndpoint]{
		Title: "Webhooks", What: "webhooks", Need: model.ActManageHooks,
		Follows: []client.NoticeKind{client.NoticeHook}, OnVisit: true,
		ID: func(w model.WebhookEndpoint) string { return w.ID },
		Fetch: func(ctx context.Context) ([]model.WebhookEndpoint, string, error) {
			eps, err := hooks.ListWebhooks(ctx)
			return eps, "", err
		},
	})
	p.endpoints.Table.SetSource(rows{p})
	return p
}

// Title implements app.Page.
func (p *Page) Title() string { return "Webhooks" }

// Capturing implements app.Page.
func (p *Page) Capturing() bool { return false }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) { p.endpoints.SetSize(w, h) }

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.endpoints.SetFocused(f) }

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := p.endpoints.Update(msg); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case app.Done:
		if m, ok := msg.Msg.(toggled); ok && msg.Err == nil {
			p.endpoints.Put(m.endpoint)
			word := "enabled"
			if !m.endpoint.Enabled {
				word = "disabled"
			}
			return p, app.Info("Webhook " + endpointName(m.endpoint) + " " + word + ".")
		}
	case app.Pop:
		if m, ok := msg.Result.(added); ok {
			p.endpoints.Put(m.endpoint)
			if m.endpoint.Format == model.FormatSlack {
				return p, app.Info("Added a Slack-format webhook: its deliveries are unsigned, keep the URL secret.")
			}
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func endpointName(w model.WebhookEndpoint) string {
	if w.Description != "" {
		return w.Description
	}
	return model.WebhookURLHint(w.URL)
}

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	l := p.endpoints
	if l.Denied() != "" || l.Table.Update(msg, km) {
		return nil
	}
	if key.Matches(msg, km.New) {
		return p.openAdd()
	}
	w, ok := l.Selected()
	switch {
	case !ok:
	case key.Matches(msg, km.Open):
		return app.Push(p, newDeliveries(p.ctx, p.hooks, w))
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
	v := &values{format: model.FormatStandard, events: []model.WebhookEvent{model.HookKeyExpiring, model.HookKeyExpired}}
	var opts []huh.Option[model.WebhookEvent]
	for _, e := range model.WebhookEvents {
		opts = append(opts, huh.NewOption(string(e), e))
	}
	ctx, h, height := p.ctx, p.hooks, p.endpoints.H
	return app.Push(p, flows.NewForm(ctx, flows.Spec{
		Title: "Add a webhook", Intro: []string{"Deliveries are signed with a secret shown once, after you add it."}, Values: v,
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(
				huh.NewInput().Title("URL").Placeholder("https://hooks.example.com/apikeys").Value(&v.url).
					Validate(func(s string) error { _, err := model.ValidateWebhookURL(s); return err }),
				huh.NewMultiSelect[model.WebhookEvent]().Title("Events").Options(opts...).Value(&v.events).
					Height(min(len(opts)+1, max(height-10, 4))),
				huh.NewSelect[model.WebhookFormat]().Title("Format").Options(
					huh.NewOption("Standard Webhooks (signed JSON)", model.FormatStandard),
					huh.NewOption("Slack-style {\"text\": …} (unsigned)", model.FormatSlack)).Value(&v.format),
				huh.NewInput().Title("Description").Placeholder("optional").Value(&v.description),
			))
		},
		Submit: func() (flows.Send, error) {
			r := client.AddWebhookRequest{URL: v.url, Events: v.events, Format: v.format, Description: v.description}
			return flows.Send{Label: "Adding webhook", Call: func(ctx context.Context) (any, error) {
				ep, sec, err := h.AddWebhook(ctx, r)
				return added{ep, sec}, err
			}}, nil
		},
		Then: func(result any) app.Flow {
			m, ok := result.(added)
			if !ok || m.endpoint.Format == model.FormatSlack {
				return nil
			}
			return flows.NewSecret(ctx, secret.New(ctx, secret.Entry{Name: endpointName(m.endpoint), Type: model.KeyType("signing secret"), Secret: m.secret,
				Note: "The receiver checks each delivery's webhook-signature with it."}).WithTitle("Webhook added").
				WithExplanation("The server keeps it to sign; it is never shown again. If it is lost, remove the webhook and add it again.",
					"Closed without copying the signing secret; remove the webhook and add it again if it is needed."))
		},
	}))
}

// ShortHelp implements app.Page.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	if p.endpoints.Denied() != "" {
		return nil
	}
	out := []key.Binding{keymap.With(km.New, "add webhook")}
	if w, ok := p.endpoints.Selected(); ok {
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
	return p.endpoints.View("", func(title string) string {
		st := p.ctx.Styles
		if len(p.endpoints.Items) == 0 {
			return title + "\n\n" + p.endpoints.Para("No webhooks yet. Press n to send expiry alerts and key events to a URL: "+
				"a chat channel, an incident tool or your own receiver.")
		}
		return title + st.Subtle.Render(fmt.Sprintf(" (%d)", len(p.endpoints.Items))) + "\n\n" + p.endpoints.Table.View()
	})
}

type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.endpoints.Items) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	w := r.p.endpoints.Items[row]
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
