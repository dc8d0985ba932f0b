// Package apikeys is the API Keys page: the list, details, the create, edit,
// delete and rotate forms, marks for bulk rotation, the expiring-soon view and
// the one-time secret panel.
package apikeys

import (
	"context"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

type mode int

const (
	listMode mode = iota
	detailMode
	formMode
	secretMode
	rotatingMode // a bulk rotation's progress
)

// loaded is the result of listing the keys.
type loaded struct{ keys []model.Key }

// fetched is one key read on its own (a link to a key not in the list).
type fetched struct{ key model.Key }

// Page is the API Keys page.
type Page struct {
	ctx  *app.Context
	w, h int
	mode mode

	denied  string // why this member may not see keys, from model.Require or the backend
	loadErr error
	ready   bool // the first list arrived

	list  list
	table table.Model

	filter    textinput.Model
	filtering bool   // the filter field has the keyboard
	query     string // the filter applied

	shown  model.Key // the key in details
	detail detail.Model

	form   *form.Form
	kind   formKind
	target model.Key // the key the form is about
	back   mode      // where esc from the form returns
	vals   values

	secret *secret.Panel

	marks map[string]bool // key ids marked for a bulk rotation
	soon  bool            // the expiring-soon view

	// The rotation the open form is about, and the one under way.
	rotKeys []model.Key
	rotLeft []secret.Failure
	rotBulk bool
	run     *rotation
	runSeq  int
}

// New makes the page.
func New(ctx *app.Context) *Page {
	st := ctx.Styles
	f := textinput.New()
	f.Prompt = "Filter: "
	f.Placeholder = "name, type, key id or hint, creator"
	f.PromptStyle = st.Accent
	f.TextStyle = st.Text
	f.PlaceholderStyle = st.Faint
	f.Cursor.Style = st.Cursor
	f.Cursor.TextStyle = st.Text
	f.Cursor.SetMode(cursor.CursorStatic)
	p := &Page{ctx: ctx, table: table.New(st, columns), filter: f, marks: map[string]bool{}}
	p.table.Marker = p.marker
	return p
}

// Title implements app.Page.
func (p *Page) Title() string { return "API Keys" }

// Capturing implements app.Page: forms and the filter field take every key.
// The secret panel does too: q or tab there would lose a secret shown only once;
// and so does a rotation under way, whose secrets are still to be shown.
func (p *Page) Capturing() bool {
	return p.mode == formMode || p.mode == secretMode || p.mode == rotatingMode || p.filtering
}

// WantsFullWidth asks the root for the whole width while a secret is shown, so
// it is never cut or wrapped.
func (p *Page) WantsFullWidth() bool { return p.mode == secretMode }

// Precious implements app.Precious: the secret panel's secrets not yet copied,
// or a rotation whose new secrets are still to be shown.
func (p *Page) Precious() string {
	switch {
	case p.mode == secretMode && p.secret != nil:
		return p.secret.Precious()
	case p.mode == rotatingMode:
		return "A rotation is under way; its new secrets haven't been shown yet."
	}
	return ""
}

// Init implements tea.Model; the page loads once the session is known.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, max(h-2, 1)) // title line and blank/filter line
	p.detail.SetSize(w, h)
	if p.form != nil {
		p.form.SetSize(w, h)
	}
	if p.secret != nil {
		p.secret.SetSize(w, h)
	}
	p.filter.Width = max(w-len(p.filter.Prompt)-2, 1)
}

// Selected is the key under the cursor, if any.
func (p *Page) Selected() (model.Key, bool) {
	if len(p.list.view) == 0 {
		return model.Key{}, false
	}
	return p.list.all[p.list.view[p.table.Cursor()]], true
}

func (p *Page) load() tea.Cmd {
	c := p.ctx.Client
	return p.ctx.Call("Loading API keys", func(ctx context.Context) (tea.Msg, error) {
		ks, err := c.ListKeys(ctx, client.KeyFilter{})
		return loaded{ks}, err
	})
}

// reloadQuietly refreshes the list without touching the status line.
func (p *Page) reloadQuietly() tea.Cmd {
	c := p.ctx.Client
	return p.ctx.Quiet("Reloading API keys", func(ctx context.Context) (tea.Msg, error) {
		ks, err := c.ListKeys(ctx, client.KeyFilter{})
		return loaded{ks}, err
	})
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case app.Session:
		if err := model.Require(msg.Me.AccountType, model.ActViewKeys, ""); err != nil {
			p.denied = err.Error()
			return p, nil
		}
		return p, p.load()
	case app.Reload:
		if p.denied != "" || p.mode == formMode || p.mode == rotatingMode {
			return p, nil
		}
		return p, p.load()
	case app.Done:
		return p, p.done(msg)
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	if p.mode == formMode {
		return p, p.updateForm(msg)
	}
	return p, nil
}

// done takes the result of a call this page made.
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
		p.loadErr, p.ready = nil, true
		sel, _ := p.Selected()
		p.list.set(m.keys)
		p.pruneMarks()
		p.refilter(sel.ID)
	case fetched:
		if d.Err == nil {
			p.showDetails(m.key)
		}
	case created:
		if d.Err != nil {
			return p.rebuild()
		}
		p.closeForm()
		p.list.put(m.key)
		p.refilter(m.key.ID)
		p.secret = secret.New(p.ctx, secret.Entry{Name: m.key.Name, Type: m.key.Type, Secret: m.secret})
		p.secret.SetSize(p.w, p.h)
		p.mode = secretMode
		return app.Info("Created “" + model.Sanitize(m.key.Name) + "”.")
	case edited:
		if d.Err != nil {
			return p.failed(d.Err)
		}
		p.closeForm()
		p.list.put(m.key)
		p.refilter(m.key.ID)
		if p.mode == detailMode {
			p.showDetails(m.key)
		}
		return app.Info("Saved “" + model.Sanitize(m.key.Name) + "”.")
	case deleted:
		if d.Err != nil {
			return p.failed(d.Err)
		}
		p.closeForm()
		p.mode = listMode
		p.list.remove(p.target.ID)
		p.refilter("")
		delete(p.marks, p.target.ID)
		return app.Info("Deleted “" + model.Sanitize(p.target.Name) + "”: it no longer works.")
	case rotated:
		return p.rotatedOne(m, d.Err)
	}
	return nil
}

// failed keeps the form open with what was typed after a refused change. A
// conflict also reloads the list behind it, so that after esc the list — and the
// form opened again — show the change that got in first.
func (p *Page) failed(err error) tea.Cmd {
	if model.KindOf(err) == model.KindConflict {
		return tea.Batch(p.rebuild(), p.reloadQuietly())
	}
	return p.rebuild()
}

// refilter applies the filter to fresh data and puts the cursor on the key with
// this id, if it is shown.
func (p *Page) refilter(id string) {
	p.list.filter(p.query, "")
	p.table.SetSource(rows{l: &p.list, ctx: p.ctx})
	if id == "" {
		return
	}
	for r, i := range p.list.view {
		if p.list.all[i].ID == id {
			p.table.SetCursor(r)
			return
		}
	}
}

func (p *Page) openForm(kind formKind, target model.Key, f *form.Form) {
	p.kind, p.target, p.form = kind, target, f
	p.back = p.mode
	p.mode = formMode
	f.SetSize(p.w, p.h)
}

func (p *Page) closeForm() {
	p.form = nil
	if p.mode == formMode {
		p.mode = p.back
	}
}

// rebuild reopens the form after the backend refused it; the status line already
// shows why.
func (p *Page) rebuild() tea.Cmd {
	if p.form == nil {
		return nil
	}
	return p.form.Rebuild()
}

func (p *Page) updateForm(msg tea.Msg) tea.Cmd {
	cmd := p.form.Update(msg)
	switch p.form.State() {
	case form.Submitted:
		return tea.Batch(cmd, p.submit())
	case form.Cancelled:
		p.closeForm()
	}
	return cmd
}

// Rotate opens the rotation form for k (r in the list without marks, or in
// details).
func (p *Page) Rotate(k model.Key) tea.Cmd { return p.openRotate([]model.Key{k}) }

// can reports whether the member may manage k, so help offers only what works.
func (p *Page) can(k model.Key) bool {
	return p.ctx.Can(model.ActManageKeys, k.Type)
}

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.table.Blurred = !f }

// HoldsSecret reports whether the page still holds a new secret: only while
// the secret panel is open.
func (p *Page) HoldsSecret() bool { return p.secret != nil }
