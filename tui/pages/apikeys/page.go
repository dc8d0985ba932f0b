// Package apikeys is the API Keys page: the list of keys, its filter, marks
// for bulk rotation and the expiring-soon view. What is done to a key — its
// details, the create, edit and delete forms, rotation (package rotation),
// the one-time secret — are flows pushed above the list.
package apikeys

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/field"
	"github.com/apikeys-dev/apikeys/tui/pages/allowlists"
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

	allow     allowInfo            // the IP allow lists, for details and l
	shown     *flows.Details       // the details opened last, drawn again when allow changes
	usage     map[string]usageRead // keys' last 30 days, for their details
	usesAsked bool                 // every key's 30-day uses were asked for (usage.go)
	where     where                // where the key of those details was used from

	marks    map[string]bool // key ids marked for a bulk rotation
	askedAll int             // a asked to mark this many keys (marks.go); 0: no question
	soon     bool            // the expiring-soon view

	// The orders of the list and of the expiring-soon view (by urgency
	// until s changes it); applied is the one the list was last put in.
	order, soonOrder *listing.Sort[model.Key]
	applied          [3]int
	// A sort of many keys runs off the UI goroutine (order.go): sortSeq
	// numbers the last one started, sortingNow says it is still running
	// ("sorting…" in the header), and pending is the command to start it,
	// returned from Update.
	sortSeq    int
	sortingNow bool
	pending    tea.Cmd
	limited    bool // the memory limit is set (memory.go)
}

// sorted is a sort's answer.
type sorted struct {
	seq   int
	job   *sortJob
	order []int32
}

// New makes the page.
func New(ctx *app.Context) *Page {
	st := ctx.Styles
	f := field.New(st, "Filter: ", "name, type, key id or hint, creator")
	p := &Page{ctx: ctx, filter: f, marks: map[string]bool{}, order: newSort(), soonOrder: newSoonSort(), applied: [3]int{-1}, usage: map[string]usageRead{}}
	c := ctx.Client
	p.keys = listing.New(ctx, columns, listing.Config[model.Key]{
		Title: "API Keys", What: "API keys", Need: model.ActViewKeys,
		Follows: []client.NoticeKind{client.NoticeKey},
		Parts: func(ctx context.Context, more string) (listing.Part[model.Key], error) {
			// The first part doesn't count the keys (a quarter second at a
			// million): the second part does, and says so in its token.
			q := client.KeyPageQuery{Limit: firstPart}
			if more != "" {
				rest, counted := strings.CutPrefix(more, "counted:")
				q = client.KeyPageQuery{After: parseCursor(rest), Limit: restPart, Count: !counted}
			}
			pg, err := c.ListKeysPage(ctx, q)
			part := listing.Part[model.Key]{Items: pg.Keys, Total: pg.Total}
			if pg.Next != nil {
				part.More = formatCursor(pg.Next)
				if q.After != nil {
					part.More = "counted:" + part.More
				}
			}
			return part, err
		},
		Loaded: func(ks []model.Key) {
			sel, _ := p.Selected()
			if p.loading() {
				// Newest first, as the parts come, until the last.
				p.list.unsorted()
				p.applied = [3]int{-1}
			}
			p.list.set(ks)
			p.pruneMarks()
			p.refilter(sel.ID)
			p.finish()
		},
		Appended: func(ks []model.Key) {
			_, total, _ := p.keys.Progress()
			p.limitMemory(func() { p.list.grow(total + restPart) }) // a few created meanwhile fit too
			p.list.appendKeys(ks, p.query)
			p.keys.Table.SetSource(rows{l: &p.list, ctx: p.ctx})
			p.finish()
		},
	})
	p.keys.Table.Marker = p.marker
	p.applySort()
	return p
}

// The key list is read in parts: first what fits on the largest screen the
// TUI draws (120 rows), at once, then the rest behind it.
const (
	firstPart = 120
	restPart  = 20_000
)

// formatCursor and parseCursor carry a position in the key list through
// listing's "more" token.
func formatCursor(c *client.KeyCursor) string {
	return strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID
}

func parseCursor(s string) *client.KeyCursor {
	at, id, _ := strings.Cut(strings.TrimPrefix(s, "counted:"), ":")
	n, _ := strconv.ParseInt(at, 10, 64)
	return &client.KeyCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}
}

// Progress is how much of the list has loaded: got of about total keys, and
// whether parts are still coming.
func (p *Page) Progress() (got, total int, loading bool) { return p.keys.Progress() }

// loading reports that parts of the list are still coming.
func (p *Page) loading() bool {
	_, _, loading := p.keys.Progress()
	return loading
}

// finish applies the order and the filter to the whole list once its last
// part is there; while parts come, the list shows them newest first as they
// arrive.
func (p *Page) finish() {
	if p.loading() {
		return
	}
	sel, _ := p.Selected()
	p.applied = [3]int{-1}
	p.refilter(sel.ID)
}

// maxPatch is the most keys the change feed names that are read one by one;
// past it the whole list is read again.
const maxPatch = 64

// patchable is the ids of the keys msg names, when reading just those keys
// brings the list up to date: a resync, a notice about keys in general or
// too many of them read the whole list again.
func (p *Page) patchable(msg app.Changed) ([]string, bool) {
	if !p.keys.Ready() {
		return nil, false
	}
	var ids []string
	for _, n := range msg.Notices {
		switch {
		case n.Kind == client.NoticeResync, n.Kind == client.NoticeKey && n.ID == "":
			return nil, false
		case n.Kind == client.NoticeKey && !slices.Contains(ids, n.ID):
			ids = append(ids, n.ID)
		}
	}
	return ids, len(ids) > 0 && len(ids) <= maxPatch
}

// reread is the keys the change feed named, read again: gone are those
// that no longer exist at all.
type reread struct {
	keys []model.Key
	gone []string
}

const rereadLabel = "Reading changed API keys"

func (p *Page) reread(ids []string) tea.Cmd {
	c := p.ctx.Client
	return p.ctx.Quiet(rereadLabel, func(ctx context.Context) (tea.Msg, error) {
		var r reread
		for _, id := range ids {
			k, err := c.GetKey(ctx, id)
			switch {
			case model.KindOf(err) == model.KindNotFound:
				r.gone = append(r.gone, id)
			case err != nil:
				return nil, err
			default:
				r.keys = append(r.keys, k)
			}
		}
		return r, nil
	})
}

// patch puts the keys read again in the list, or takes them out (deleted,
// or replaced and past their grace). While the list still loads, a key older
// than where the loading is comes with its part, fresh, and is left to it.
func (p *Page) patch(r reread) {
	sel, _ := p.Selected()
	var frontier *client.KeyCursor
	if p.loading() && p.keys.More != "" {
		frontier = parseCursor(p.keys.More)
	}
	now := p.ctx.Now()
	for _, k := range r.keys {
		switch {
		case !client.Listed(k, now):
			p.list.remove(k.ID)
			delete(p.marks, k.ID)
		case frontier != nil && p.list.index(k.ID) < 0 &&
			(k.CreatedAt.Before(frontier.CreatedAt) || k.CreatedAt.Equal(frontier.CreatedAt) && k.ID < frontier.ID):
		default:
			p.list.put(k)
		}
	}
	for _, id := range r.gone {
		p.list.remove(id)
		delete(p.marks, id)
	}
	p.refilter(sel.ID)
}

// sorting is the order now shown: the expiring-soon view keeps its own.
func (p *Page) sorting() *listing.Sort[model.Key] {
	if p.soon {
		return p.soonOrder
	}
	return p.order
}

// applySort puts the list in the current order if it isn't in it, and the
// arrow on its column.
func (p *Page) applySort() {
	s := p.sorting()
	now := [3]int{s.Index(), 0, 0}
	if s.Desc() {
		now[1] = 1
	}
	if p.soon {
		now[2] = 1
	}
	s.Mark(&p.keys.Table)
	if now == p.applied || p.loading() {
		return // while parts come, finish applies it
	}
	p.applied = now
	p.sortSeq++
	p.sortingNow = false
	if j := p.list.sortBy(s.Index(), s.Desc()); j != nil {
		seq := p.sortSeq
		p.sortingNow = true
		p.pending = func() tea.Msg { return sorted{seq: seq, job: j, order: j.run()} }
	}
}

// takeSorted shows a sort's order once it is done; if keys changed while it
// ran, the sort runs again over them.
func (p *Page) takeSorted(m sorted) tea.Cmd {
	if m.seq != p.sortSeq {
		return nil // another sort began since
	}
	sel, _ := p.Selected()
	p.sortingNow = false
	if !p.list.take(m.job, m.order) {
		p.applied = [3]int{-1} // refilter starts it again
	}
	p.refilter(sel.ID)
	if p.sortingNow {
		return nil // it runs again
	}
	return app.Info(p.sorting().Said())
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
	return p.list.key(int(p.list.view[p.keys.Table.Cursor()])), true
}

// Update implements tea.Model; the 30-day uses are read once their column
// shows (usage.go).
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := p.update(msg)
	if p.pending != nil {
		// After what the page answered ("Sorting by name ▲…"), so that
		// its status can't land after the sort's own.
		cmd, p.pending = tea.Sequence(cmd, p.pending), nil
	}
	return m, tea.Batch(cmd, p.loadUses())
}

func (p *Page) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	usage, done := p.usageUpdate(msg)
	if done {
		return p, usage
	}
	var allow tea.Cmd
	switch msg := msg.(type) {
	case sorted:
		return p, p.takeSorted(msg)
	case followed:
		return p, tea.Batch(app.Push(msg.from, p.details(msg.key)), p.loadWhere(msg.key.ID))
	case app.SignedIn, app.Reload:
		allow = tea.Batch(p.loadAllow(), p.reloadWhere())
	case app.Changed:
		if msg.About(client.NoticeAllowList, "") || msg.About(client.NoticeKey, "") {
			allow = tea.Batch(p.loadAllow(), p.reloadWhere())
		}
		if ids, ok := p.patchable(msg); ok {
			return p, tea.Batch(allow, p.reread(ids))
		}

	case app.Done:
		if m, ok := msg.Msg.(reread); ok || msg.Label == rereadLabel {
			if msg.Err != nil {
				return p, p.keys.Load(true, false) // read it all, then
			}
			p.patch(m)
			return p, nil
		}
		if m, ok := msg.Msg.(where); ok && msg.Err == nil {
			p.where = m
			if p.shown != nil {
				p.shown.Set(p.shown.Row())
			}
			return p, nil
		}
		if m, ok := msg.Msg.(allowInfo); ok && msg.Err == nil {
			p.allow = m
			if p.shown != nil {
				p.shown.Set(p.shown.Row())
			}
			return p, nil
		}
	}
	if cmd, ok := p.keys.Update(msg); ok {
		return p, tea.Batch(cmd, allow, usage)
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
	case allowlists.Outcome:
		return tea.Batch(p.loadAllow(), app.Info(r.Text))
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
	p.applySort()
	p.list.filter(p.query, "")
	p.keys.Table.SetSource(rows{l: &p.list, ctx: p.ctx})
	if id == "" {
		return
	}
	for r, i := range p.list.view {
		if p.list.id(int(i)) == id {
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
