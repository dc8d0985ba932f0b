// Package apikeys is the API Keys page: the list of keys, its filter, marks
// for bulk rotation and the expiring-soon view. What is done to a key — its
// details, the create, edit and delete forms, rotation (package rotation),
// the one-time secret — are flows pushed above the list.
package apikeys

import (
	"context"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/rotation"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// Page is the API Keys page.
type Page struct {
	ctx  *app.Context
	keys *listing.List[model.Key]
	list list // the keys as loaded, and the rows the filter keeps

	filter    textinput.Model
	filtering bool   // the filter field has the keyboard
	query     string // the filter applied

	allow allowInfo      // the IP allow lists, for details and l
	shown *flows.Details // the details opened last, drawn again when allow changes

	marks    map[string]bool // key ids marked for a bulk rotation
	askedAll int             // a asked to mark this many keys (marks.go); 0: no question
	soon     bool            // the expiring-soon view
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
	p := &Page{ctx: ctx, filter: f, marks: map[string]bool{}}
	c := ctx.Client
	p.keys = listing.New(ctx, columns, listing.Config[model.Key]{
		Title: "API Keys", What: "API keys", Need: model.ActViewKeys,
		Follows: []client.NoticeKind{client.NoticeKey},
		Fetch: func(ctx context.Context) ([]model.Key, string, error) {
			ks, err := c.ListKeys(ctx, client.KeyFilter{})
			return ks, "", err
		},
		Loaded: func(ks []model.Key) {
			sel, _ := p.Selected()
			p.list.set(ks)
			p.pruneMarks()
			p.refilter(sel.ID)
		},
	})
	p.keys.Table.Marker = p.marker
	return p
}

// Title implements app.Page.
func (p *Page) Title() string { return "API Keys" }

// Capturing implements app.Page: the filter field takes every key.
func (p *Page) Capturing() bool { return p.filtering }

// Init implements tea.Model; the page loads once the member is signed in.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) {
	p.keys.SetSize(w, h)
	p.filter.Width = max(w-len(p.filter.Prompt)-2, 1)
}

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.keys.SetFocused(f) }

// Selected is the key under the cursor, if any.
func (p *Page) Selected() (model.Key, bool) {
	if len(p.list.view) == 0 {
		return model.Key{}, false
	}
	return p.list.all[p.list.view[p.keys.Table.Cursor()]], true
}

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var allow tea.Cmd
	switch msg := msg.(type) {
	case followed:
		return p, app.Push(msg.from, p.details(msg.key))
	case app.SignedIn, app.Reload:
		allow = p.loadAllow()
	case app.Changed:
		if msg.About(client.NoticeAllowList, "") || msg.About(client.NoticeKey, "") {
			allow = p.loadAllow()
		}
	case app.Done:
		if m, ok := msg.Msg.(allowInfo); ok && msg.Err == nil {
			p.allow = m
			if p.shown != nil {
				p.shown.Set(p.shown.Row())
			}
			return p, nil
		}
	}
	if cmd, ok := p.keys.Update(msg); ok {
		return p, tea.Batch(cmd, allow)
	}
	switch msg := msg.(type) {
	case app.Pop:
		return p, p.outcome(msg.Result)
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

// Results of the flows the page pushes.
type (
	created struct {
		key    model.Key
		secret model.Secret
	}
	edited  struct{ key model.Key }
	deleted struct{ key model.Key } // as it was when the prompt opened
	note    struct{ text string }   // nothing done; the status line says so
)

// outcome takes what a flow did, pushed from the list or from details.
func (p *Page) outcome(result any) tea.Cmd {
	switch r := result.(type) {
	case allowLinked:
		if p.allow.own != nil {
			p.allow.own[r.key.ID] = r.lists
		}
		return tea.Batch(p.loadAllow(), app.Info("Saved the IP allow lists of “"+model.Sanitize(r.key.Name)+"”."))
	case created:
		p.list.put(r.key)
		p.refilter(r.key.ID)
		return app.Info("Created “" + model.Sanitize(r.key.Name) + "”.")
	case edited:
		p.list.put(r.key)
		p.refilter(r.key.ID)
		return app.Info("Saved “" + model.Sanitize(r.key.Name) + "”.")
	case deleted:
		p.list.remove(r.key.ID)
		p.refilter("")
		delete(p.marks, r.key.ID)
		return app.Info("Deleted “" + model.Sanitize(r.key.Name) + "”: it no longer works.")
	case note:
		return app.Info(r.text)
	case rotation.Kept:
		return app.Info(r.Text)
	case flows.Gone:
		// The list drops it now, before the change feed's read comes back.
		p.list.remove(r.ID)
		p.refilter("")
		delete(p.marks, r.ID)
		return app.Info(r.Text)
	case rotation.Finished:
		sel, _ := p.Selected()
		for _, rot := range r.Rotated {
			p.list.put(rot.Old)
			p.list.put(rot.New)
			delete(p.marks, rot.Old.ID)
		}
		if r.FirstNew != "" {
			sel.ID = r.FirstNew
		}
		p.refilter(sel.ID)
		if r.Failed {
			// A key changed by someone else fails with a conflict; fresh
			// data lets the admin retry the ones still marked.
			return tea.Batch(p.keys.Load(true, false), r.Status())
		}
		return r.Status()
	}
	return nil
}

// refilter applies the filter to fresh data and puts the cursor on the key with
// this id, if it is shown.
func (p *Page) refilter(id string) {
	p.list.filter(p.query, "")
	p.keys.Table.SetSource(rows{l: &p.list, ctx: p.ctx})
	if id == "" {
		return
	}
	for r, i := range p.list.view {
		if p.list.all[i].ID == id {
			p.keys.Table.SetCursor(r)
			return
		}
	}
}

// rotate opens the rotation form for keys, above from (the page or details).
func (p *Page) rotate(from any, keys ...model.Key) tea.Cmd {
	return rotation.Open(p.ctx, from, keys, p.keys.W, p.keys.H)
}

// can reports whether the member may manage k, so help offers only what works.
func (p *Page) can(k model.Key) bool {
	return p.ctx.Can(model.ActManageKeys, k.Type)
}
