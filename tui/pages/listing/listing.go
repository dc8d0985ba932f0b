// Package listing is what every page of the main pane has around its table:
// who may see it, loading it (on sign-in, on a visit, on ctrl+r, and quietly
// whenever the change feed says one of its rows changed), the states before
// the first list arrives, its size and focus. A page holds one List and adds
// only its rows, its keys and its flows.
package listing

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

// Config says what a List shows and how it loads.
type Config[T any] struct {
	Title string       // the page's title, also in "Loading …" and "Couldn't load …"
	What  string       // what is loaded, for the status line: "API keys"
	Need  model.Action // what the member must be allowed to see it
	// Follows are the kinds of change-feed notice that may change the list.
	Follows []client.NoticeKind
	// OnVisit reloads the list each time the page is shown.
	OnVisit bool
	// Fetch reads the list; more is a token for the rest ("" at the end).
	Fetch func(ctx context.Context) (items []T, more string, err error)
	// ID, when set, names an item, so the cursor stays on the same one
	// when the list is read again.
	ID func(T) string
	// Loaded, when set, runs after each list arrives (a page filters it,
	// prunes its marks).
	Loaded func(items []T)
	// Parts, when set, reads the list in parts instead of Fetch: more ""
	// asks for the first part (what fits on a screen, and the Total the
	// progress counts to), then each part's More for the next, until it is
	// "". The first part is shown at once and goes to Loaded; the others are
	// read one after another behind it, without a spinner, and go to
	// Appended. Items holds only the first part then: the page keeps the
	// rest (a million keys are not held twice).
	Parts    func(ctx context.Context, more string) (Part[T], error)
	Appended func(items []T)
	// Sort, when set, are the orders `s` cycles through (List.SortKey),
	// starting at SortFirst; SortTie breaks ties (by id, say). Items are kept
	// in the chosen order.
	Sort      []SortBy[T]
	SortFirst int
	SortTie   func(a, b T) int
}

// Part is one part of a list read in parts (Config.Parts).
type Part[T any] struct {
	Items []T
	More  string // "" after the last part
	Total int    // about how many items the list has; 0 unknown (yet)
}

// List is a page's table and the state around it.
type List[T any] struct {
	ctx *app.Context
	cfg Config[T]

	Items []T
	More  string // the token Fetch gave for the rest
	Table table.Model
	Sort  *Sort[T] // nil unless Config.Sort
	W, H  int

	denied  string
	loadErr error
	ready   bool
	seq     int // the last load asked for; older answers are stale

	// Reading in parts: got items so far, of about total; rest while parts
	// are still coming.
	got, total int
	rest       bool
}

// Progress says how far a list read in parts is: got items of about total
// (total is got until a part says more), and whether parts are still coming.
func (l *List[T]) Progress() (got, total int, loading bool) { return l.got, l.total, l.rest }

// loaded is one load's answer; list tells it from other lists' answers.
type loaded[T any] struct {
	list     *List[T]
	seq      int
	items    []T
	more     string
	reloaded bool // ctrl+r asked for it: the status line says so
	part     int  // Parts: 0 the first part, then 1, 2, …
	total    int
}

// New makes a list over table columns.
func New[T any](ctx *app.Context, cols []table.Column, cfg Config[T]) *List[T] {
	l := &List[T]{ctx: ctx, cfg: cfg, Table: table.New(ctx.Styles, cols)}
	if len(cfg.Sort) > 0 {
		l.Sort = NewSort(cfg.Sort, cfg.SortFirst, cfg.SortTie)
		l.Sort.Mark(&l.Table)
	}
	return l
}

// SortKey takes `s` and `S` on the list: the items are sorted again, the
// cursor stays on the same item (Config.ID) and the status line says the new
// order. handled false: not a sort key, or the list has no sort.
func (l *List[T]) SortKey(msg tea.KeyMsg) (cmd tea.Cmd, handled bool) {
	if l.Sort == nil || !l.Sort.Key(msg, l.ctx.Keys) {
		return nil, false
	}
	sel, had := l.Selected()
	l.Sort.Apply(l.Items)
	l.Sort.Mark(&l.Table)
	if had {
		l.find(sel)
	}
	return app.Info(l.Sort.Said()), true
}

// find puts the cursor on the item with sel's ID, if there is one.
func (l *List[T]) find(sel T) {
	id := l.cfg.ID
	if id == nil {
		return
	}
	for i := range l.Items {
		if id(l.Items[i]) == id(sel) {
			l.Table.SetCursor(i)
			return
		}
	}
}

// Position is "12/10000": the cursor's row of the items.
func (l *List[T]) Position() string {
	return Position(l.Table.Cursor(), len(l.Items), len(l.Items))
}

// Denied is why the member may not see the list, or "".
func (l *List[T]) Denied() string { return l.denied }

// Ready reports that the first list arrived and nobody is refused.
func (l *List[T]) Ready() bool { return l.ready && l.denied == "" }

// TableTop is the line of the page the table starts on: every page draws its
// title line and one more (a count, a filter) above it. The mouse relies on it.
const TableTop = 2

// SetSize gives the table the pane less the title line and the one under it.
func (l *List[T]) SetSize(w, h int) {
	l.W, l.H = w, h
	l.Table.SetSize(w, max(h-TableTop, 1))
}

// SetFocused shows the cursor as focused or not.
func (l *List[T]) SetFocused(f bool) { l.Table.Blurred = !f }

// Selected is the item under the cursor, if any.
func (l *List[T]) Selected() (T, bool) {
	if len(l.Items) == 0 || l.Table.Cursor() >= len(l.Items) {
		var zero T
		return zero, false
	}
	return l.Items[l.Table.Cursor()], true
}

// Put puts item in the list in place of the one with its ID (Config.ID), or
// at the end with the cursor on it: a change this member made, shown before
// the change feed reads the list again.
func (l *List[T]) Put(item T) {
	for i := range l.Items {
		if l.cfg.ID(l.Items[i]) == l.cfg.ID(item) {
			l.Items[i] = item
			if l.Sort != nil {
				sel, _ := l.Selected()
				l.Sort.Apply(l.Items)
				l.find(sel)
			}
			return
		}
	}
	l.Items = append(l.Items, item)
	l.Table.SetCursor(len(l.Items) - 1)
	if l.Sort != nil {
		l.Sort.Apply(l.Items)
		l.find(item)
	}
}

// Load reads the list again: with the spinner when the member asked (a
// visit, ctrl+r), quietly when the change feed did.
func (l *List[T]) Load(quiet, reloaded bool) tea.Cmd {
	if l.denied != "" {
		return nil
	}
	l.seq++
	seq, fetch := l.seq, l.cfg.Fetch
	fn := func(ctx context.Context) (tea.Msg, error) {
		items, more, err := fetch(ctx)
		return loaded[T]{list: l, seq: seq, items: items, more: more, reloaded: reloaded}, err
	}
	if l.cfg.Parts != nil {
		fn = l.part(seq, 0, "", reloaded)
	}
	label := "Loading " + l.cfg.What
	if quiet {
		return l.ctx.Quiet(label, fn)
	}
	return l.ctx.Call(label, fn)
}

// part reads the part after more, for load seq.
func (l *List[T]) part(seq, n int, more string, reloaded bool) func(ctx context.Context) (tea.Msg, error) {
	parts := l.cfg.Parts
	return func(ctx context.Context) (tea.Msg, error) {
		p, err := parts(ctx, more)
		return loaded[T]{list: l, seq: seq, items: p.Items, more: p.More, reloaded: reloaded, part: n, total: p.Total}, err
	}
}

// Update takes what every list follows; it returns handled false for what
// the page must look at itself.
func (l *List[T]) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		// In the page's coordinates (the root moved it there): a click
		// selects the row under it, the wheel scrolls.
		if l.Ready() {
			msg.Y -= TableTop
			l.Table.Mouse(msg)
		}
		return nil, true
	case app.SignedIn:
		if err := model.Require(msg.Me.AccountType, l.cfg.Need, ""); err != nil {
			l.denied = err.Error()
			return nil, true
		}
		l.denied = "" // signed in again with another account type
		if l.cfg.OnVisit {
			return nil, true // it loads when shown, and its spinner means it
		}
		return l.Load(false, false), true
	case app.Activated:
		if l.cfg.OnVisit {
			return l.Load(false, false), true
		}
		return nil, true
	case app.Reload:
		return l.Load(false, true), true
	case app.Changed:
		if l.ready && l.follows(msg) {
			return l.Load(true, false), true
		}
		return nil, true
	case app.Done:
		m, ok := msg.Msg.(loaded[T])
		if !ok || m.list != l {
			return nil, false
		}
		if m.seq != l.seq {
			return nil, true // a newer load is on its way
		}
		if msg.Err != nil {
			if model.KindOf(msg.Err) == model.KindForbidden {
				l.denied = app.Message(msg.Err)
			}
			l.loadErr = msg.Err
			if m.part > 0 {
				// The rest stops where it failed; what came is kept, and
				// ctrl+r reads it all again.
				l.rest = false
				text := "Couldn't load all " + l.cfg.What + ": " + app.Message(msg.Err) + " (ctrl+r tries again)"
				return app.Problem(text), true
			}
			return nil, true
		}
		if l.cfg.Parts != nil {
			return l.takePart(m), true
		}
		l.More = m.more
		return l.show(m.items, m.reloaded), true
	}
	return nil, false
}

// show puts items in the list, a whole read or the first part of one: sorted,
// the row that was selected still selected, the page told (Loaded), and
// "Reloaded." after a ctrl+r.
func (l *List[T]) show(items []T, reloaded bool) tea.Cmd {
	sel, had := l.Selected()
	l.Items, l.ready, l.loadErr = items, true, nil
	if l.Sort != nil {
		l.Sort.Apply(l.Items)
	}
	if had {
		l.find(sel)
	}
	if l.cfg.Loaded != nil {
		l.cfg.Loaded(items)
	}
	if reloaded {
		return app.Info("Reloaded.")
	}
	return nil
}

// takePart shows the first part of a list read in parts, or hands a later
// one to the page, and asks for the next.
func (l *List[T]) takePart(m loaded[T]) tea.Cmd {
	var cmds []tea.Cmd
	// Progress first: Loaded and Appended look at it.
	l.More, l.rest = m.more, m.more != ""
	if m.part == 0 {
		l.got, l.total = 0, 0
	}
	if m.total > 0 {
		l.total = m.total
	}
	l.got += len(m.items)
	l.total = max(l.total, l.got)
	if !l.rest {
		l.total = l.got
	}
	if m.part == 0 {
		cmds = append(cmds, l.show(m.items, m.reloaded))
	} else if l.cfg.Appended != nil {
		l.cfg.Appended(m.items)
	}
	if l.rest {
		cmds = append(cmds, l.ctx.Quiet("Loading "+l.cfg.What, l.part(m.seq, m.part+1, m.more, false)))
	}
	return tea.Batch(cmds...)
}

func (l *List[T]) follows(c app.Changed) bool {
	for _, k := range l.cfg.Follows {
		if c.About(k, "") {
			return true
		}
	}
	return false
}

// View is the page: its title and body once the list is there, or why it
// isn't. hint, under a refusal, says who can change it ("" none).
func (l *List[T]) View(hint string, body func(title string) string) string {
	st := l.ctx.Styles
	para := st.Renderer().NewStyle().Width(max(l.W, 10))
	title := st.PageTitle.Render(l.cfg.Title)
	switch {
	case l.denied != "":
		v := title + "\n\n" + para.Render(st.Warn.Render(l.denied))
		if hint != "" {
			v += "\n\n" + para.Render(st.Subtle.Render(hint))
		}
		return v
	case !l.ready && l.loadErr != nil:
		return title + "\n\n" + para.Render(st.Error.Render("✗ Couldn't load "+l.cfg.What+": "+app.Message(l.loadErr))) +
			"\n\n" + st.Subtle.Render("Press ctrl+r to try again.")
	case !l.ready:
		return title + "\n\n" + st.Subtle.Render("Loading…")
	}
	return body(title)
}

// Para renders text wrapped to the pane.
func (l *List[T]) Para(text string) string {
	return l.ctx.Styles.Renderer().NewStyle().Width(max(l.W, 10)).Render(text)
}
