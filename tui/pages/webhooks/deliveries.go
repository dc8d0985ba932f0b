package webhooks

import (
	"context"
	"net/http"
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// deliveriesFlow is one endpoint's recent deliveries, as a flow above the
// list; it reads them again when the change feed names the endpoint.
type deliveriesFlow struct {
	app.Base
	ctx   *app.Context
	hooks client.Webhooks
	shown model.WebhookEndpoint
	list  []client.DeliveryView
	table table.Model
}

func newDeliveries(ctx *app.Context, hooks client.Webhooks, w model.WebhookEndpoint) *deliveriesFlow {
	d := &deliveriesFlow{ctx: ctx, hooks: hooks, shown: w, table: table.New(ctx.Styles, deliveryColumns)}
	d.table.SetSource(deliveryRows{d})
	return d
}

// Init implements app.Flow.
func (d *deliveriesFlow) Init() tea.Cmd { return d.load() }

// Capturing implements app.Flow: tab still reaches the sidebar.
func (d *deliveriesFlow) Capturing() bool { return false }

// SetSize implements app.Flow.
func (d *deliveriesFlow) SetSize(w, h int) { d.table.SetSize(w, max(h-3, 1)) }

// ShortHelp implements app.Flow.
func (d *deliveriesFlow) ShortHelp() []key.Binding {
	return []key.Binding{keymap.With(d.ctx.Keys.Back, "back")}
}

func (d *deliveriesFlow) load() tea.Cmd {
	h, id := d.hooks, d.shown.ID
	return d.ctx.Call("Loading deliveries", func(ctx context.Context) (tea.Msg, error) {
		ds, err := h.ListDeliveries(ctx, client.DeliveryFilter{EndpointID: id, Limit: 50})
		return deliveries{id, ds}, err
	})
}

// Update implements app.Flow.
func (d *deliveriesFlow) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, d.ctx.Keys.Back) {
			return app.Close(d, nil)
		}
		d.table.Update(msg, d.ctx.Keys)
	case app.Reload:
		return d.load()
	case app.Changed:
		if msg.About(client.NoticeHook, d.shown.ID) {
			return d.load()
		}
	case app.Done:
		if m, ok := msg.Msg.(deliveries); ok && msg.Err == nil && m.endpoint == d.shown.ID {
			d.list = m.list
			d.table.SetSource(deliveryRows{d})
		}
	}
	return nil
}

// View implements app.Flow.
func (d *deliveriesFlow) View() string {
	st := d.ctx.Styles
	title := st.PageTitle.Render("Deliveries to " + model.Sanitize(endpointName(d.shown)))
	if len(d.list) == 0 {
		return title + "\n\n" + st.Subtle.Render("No deliveries yet.")
	}
	return title + "\n" + st.Subtle.Render(model.Sanitize(d.shown.URL)) + "\n\n" + d.table.View()
}

type deliveryRows struct{ d *deliveriesFlow }

func (r deliveryRows) Len() int { return len(r.d.list) }

func (r deliveryRows) Cell(row, col int) (string, table.Tone) {
	d := r.d.list[row]
	loc := r.d.ctx.Policy.Loc()
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
