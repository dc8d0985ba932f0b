package flows

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// DetailsSpec describes one record's details.
type DetailsSpec struct {
	// Kind and ID name the row for the change feed; Get reads it again when
	// the feed names it (nil: the details never change, as an audit event).
	Kind client.NoticeKind
	ID   string
	Get  func(ctx context.Context) (any, error)
	// Init, when set, runs as the details open: a page reads what the row
	// alone doesn't say (a key's use).
	Init func() tea.Cmd
	// Show draws row: the title and its fields; gone, when set, says the row
	// no longer exists (deleted elsewhere), and the details close saying so.
	Show func(row any) (title string, fields []detail.Field, gone string)
	// Keys handles the page's actions on the row (e edit, r rotate); Help
	// lists them. Results of the flows they push come back through Result.
	Keys   func(d *Details, row any, msg tea.KeyMsg) tea.Cmd
	Help   func(row any) []key.Binding
	Result func(d *Details, p app.Pop) tea.Cmd
	// Step, when set, makes j/k (and the arrows) move to the next or
	// previous record of the list (by +1, -1), which it returns with ok;
	// pgup/pgdn scroll the fields instead.
	Step func(row any, by int) (next any, ok bool)
}

// Details shows one record, scrolling, and follows its row: a change made
// anywhere shows within the change feed's delay, without a keystroke.
type Details struct {
	app.Base
	ctx  *app.Context
	spec DetailsSpec
	row  any
	view detail.Model
	w, h int
}

type detailsRead struct {
	d   *Details
	row any
}

// NewDetails opens details on row.
func NewDetails(ctx *app.Context, row any, s DetailsSpec) *Details {
	d := &Details{ctx: ctx, spec: s}
	d.Set(row)
	return d
}

// Row is the record shown.
func (d *Details) Row() any { return d.row }

// Set shows row (a newer copy of the record, or what arrived about it): the
// view stays scrolled where it was, so what the reader scrolled to isn't
// taken away by a redraw.
func (d *Details) Set(row any) {
	d.row = row
	title, fields, _ := d.spec.Show(row)
	top := d.view.Offset()
	d.view = detail.New(d.ctx.Styles, title, fields)
	d.view.SetSize(d.w, d.h)
	d.view.Scroll(top)
}

// Init implements app.Flow.
func (d *Details) Init() tea.Cmd {
	if d.spec.Init != nil {
		return d.spec.Init()
	}
	return nil
}

// Capturing implements app.Flow: tab still reaches the sidebar.
func (d *Details) Capturing() bool { return false }

// SetSize implements app.Flow.
func (d *Details) SetSize(w, h int) { d.w, d.h = w, h; d.view.SetSize(w, h) }

// View implements app.Flow.
func (d *Details) View() string { return d.view.View() }

// ShortHelp implements app.Flow.
func (d *Details) ShortHelp() []key.Binding {
	km := d.ctx.Keys
	out := []key.Binding{keymap.With(km.Back, "back")}
	if d.spec.Help != nil {
		return append(out, d.spec.Help(d.row)...)
	}
	return append(out, km.Up, km.Down)
}

// Update implements app.Flow.
func (d *Details) Update(msg tea.Msg) tea.Cmd {
	km := d.ctx.Keys
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, km.Back):
			return app.Close(d, nil)
		case d.spec.Step != nil && key.Matches(msg, km.Up, km.Down):
			by := 1
			if key.Matches(msg, km.Up) {
				by = -1
			}
			if next, ok := d.spec.Step(d.row, by); ok {
				d.Set(next)
				d.view.Scroll(-d.view.Offset()) // another record: from its top
			}
		case d.spec.Step != nil && key.Matches(msg, km.PageUp, km.PageDown):
			by := max(d.h/2, 1)
			if key.Matches(msg, km.PageUp) {
				by = -by
			}
			d.view.Scroll(by)
		case key.Matches(msg, km.Up):
			d.view.Scroll(-1)
		case key.Matches(msg, km.Down):
			d.view.Scroll(1)
		case d.spec.Keys != nil:
			return d.spec.Keys(d, d.row, msg)
		}
	case app.Pop:
		if d.spec.Result != nil {
			return d.spec.Result(d, msg)
		}
	case app.Changed:
		if d.spec.Get != nil && msg.About(d.spec.Kind, d.spec.ID) {
			return d.Reread()
		}
	case app.Reload:
		if d.spec.Get != nil {
			return d.Reread()
		}
	case app.Done:
		m, ok := msg.Msg.(detailsRead)
		if !ok || m.d != d {
			return nil
		}
		if msg.Err != nil {
			if model.KindOf(msg.Err) == model.KindNotFound {
				return tea.Sequence(app.Close(d, nil), app.Info("It was deleted elsewhere."))
			}
			return nil
		}
		d.Set(m.row)
		if _, _, gone := d.spec.Show(m.row); gone != "" {
			return tea.Sequence(app.Close(d, nil), app.Info(gone))
		}
	}
	return nil
}

// Reread reads the row again, quietly.
func (d *Details) Reread() tea.Cmd {
	get := d.spec.Get
	return d.ctx.Quiet("Reading "+d.spec.ID, func(ctx context.Context) (tea.Msg, error) {
		r, err := get(ctx)
		return detailsRead{d, r}, err
	})
}
