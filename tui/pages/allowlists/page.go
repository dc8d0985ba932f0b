// Package allowlists is the IP allow lists page (SPEC §10): the workspace's
// lists with their entries and keys, a form to create or edit one, delete,
// the default list, and linking keys to a list.
package allowlists

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// View is one list as the page shows it.
type View = client.AllowListView

type (
	// defaulted is the answer of a default change: list is the new default ("" none).
	defaulted struct{ name string }
	// keysRead is the keys read for the link form of list; more says
	// there are keys past them.
	keysRead struct {
		list View
		keys []model.Key
		more bool
	}
	saved struct {
		list    View
		created bool // the cursor goes to it, wherever a reload put it
	}
	removed struct{ list View }
	linked  struct {
		list  View
		added int
	}
	note struct{ text string }
)

var columns = []table.Column{
	{Title: "Name", Width: 16, Min: 10, Priority: 0},
	{Title: "Default", Width: 9, Priority: 0}, // the marker is words, not a colour
	{Title: "Entries", Width: 24, Min: 12, Priority: 0, Flex: true},
	{Title: "Keys", Width: 4, Priority: 1},
	{Title: "Description", Width: 16, Min: 10, Priority: 2},
}

// Page is the IP allow lists page.
type Page struct {
	ctx   *app.Context
	api   client.AllowLists
	lists *listing.List[View]
}

// New makes the page over the client's allow-list side.
func New(ctx *app.Context, api client.AllowLists) *Page {
	p := &Page{ctx: ctx, api: api}
	p.lists = listing.New(ctx, columns, listing.Config[View]{
		Title: "IP allow lists", What: "IP allow lists", Need: model.ActManageAllow,
		Follows: []client.NoticeKind{client.NoticeAllowList}, OnVisit: true,
		ID: func(l View) string { return l.ID },
		Fetch: func(ctx context.Context) ([]View, string, error) {
			ls, err := api.ListAllowLists(ctx)
			return ls, "", err
		},
	})
	p.lists.Table.SetSource(rows{p})
	return p
}

// Title implements app.Page.
func (p *Page) Title() string { return "IP allow lists" }

// Capturing implements app.Page.
func (p *Page) Capturing() bool { return false }

// Init implements tea.Model.
func (p *Page) Init() tea.Cmd { return nil }

// SetSize implements app.Page.
func (p *Page) SetSize(w, h int) { p.lists.SetSize(w, h) }

// SetFocused shows the cursor as focused or not.
func (p *Page) SetFocused(f bool) { p.lists.SetFocused(f) }

// Update implements tea.Model.
func (p *Page) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := p.lists.Update(msg); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case app.Done:
		if msg.Err != nil {
			return p, nil
		}
		switch m := msg.Msg.(type) {
		case defaulted:
			return p, p.defaulted(m)
		case keysRead:
			return p, app.Push(p, p.linkForm(m.list, m.keys, m.more))
		case Checked:
			return p, app.Push(p, confirmFlow(p.ctx, m))
		case deleteChecked:
			return p, app.Push(p, p.deleteForm(m.list, m.refused, true))
		}
	case app.Pop:
		switch r := msg.Result.(type) {
		case saved:
			p.lists.Put(r.list)
			for i, l := range p.lists.Items {
				if r.created && l.ID == r.list.ID {
					p.lists.Table.SetCursor(i)
				}
			}
			return p, app.Info("Saved IP allow list “" + model.Sanitize(r.list.Name) + "”.")
		case removed:
			return p, tea.Batch(p.lists.Load(true, false), app.Info("Deleted IP allow list “"+model.Sanitize(r.list.Name)+"”."))
		case linked:
			return p, tea.Batch(p.lists.Load(true, false), app.Info(fmt.Sprintf("“%s” now restricts %s.", model.Sanitize(r.list.Name), plural(r.added, "key"))))
		case note:
			return p, app.Info(r.text)
		case defaulted:
			return p, p.defaulted(r)
		case reopen:
			return p, tea.Sequence(app.Push(p, p.editForm(r.list, &r.typed)), app.Info("Nothing changed: edit the entries again, or esc."))
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

// linkPage is how many of the newest keys the link form offers besides those
// linked: one read of the list-order index, where the whole list was a read of
// every key (seconds and a gigabyte at a million keys) before the form opened.
const linkPage = 500

// linkChoices are the keys the link form offers: the newest linkPage, and
// every key linked to the list (read by id), and whether there are more.
func linkChoices(ctx context.Context, c client.Client, linked []string) ([]model.Key, bool, error) {
	pg, err := c.ListKeysPage(ctx, client.KeyPageQuery{Limit: linkPage})
	if err != nil {
		return nil, false, err
	}
	keys := pg.Keys
	for _, id := range linked {
		if slices.ContainsFunc(keys, func(k model.Key) bool { return k.ID == id }) {
			continue
		}
		k, err := c.GetKey(ctx, id)
		switch {
		case model.KindOf(err) == model.KindNotFound:
			continue // deleted since
		case err != nil:
			return nil, false, err
		}
		keys = append(keys, k)
	}
	return keys, pg.Next != nil, nil
}

func (p *Page) defaulted(m defaulted) tea.Cmd {
	if m.name == "" {
		return tea.Batch(p.lists.Load(true, false), app.Info("No default list now: keys without a list of their own work from anywhere."))
	}
	return tea.Batch(p.lists.Load(true, false), app.Info("“"+model.Sanitize(m.name)+"” is the default list now: it applies to every key without a list of its own."))
}

func (p *Page) key(msg tea.KeyMsg) tea.Cmd {
	km := p.ctx.Keys
	l := p.lists
	if l.Denied() != "" || l.Table.Update(msg, km) {
		return nil
	}
	if key.Matches(msg, km.New) {
		return p.openCreate()
	}
	v, ok := l.Selected()
	switch {
	case !ok:
	case key.Matches(msg, km.Edit):
		return p.openEdit(v)
	case key.Matches(msg, km.Delete):
		return p.openDelete(v)
	case key.Matches(msg, km.Default):
		api, ref, name := p.api, v.ID, v.Name
		if v.Default {
			ref, name = "", ""
		}
		set := func(ctx context.Context) (any, error) { return defaulted{name}, api.SetDefaultAllowList(ctx, ref) }
		ka, ok := p.ctx.Client.(client.KeyAddresses)
		if !ok || ref == "" {
			// No default: keys without a list of their own work from anywhere, wider.
			return p.ctx.Call("Changing the default list", func(ctx context.Context) (tea.Msg, error) { return set(ctx) })
		}
		c := Checked{Title: "Default IP allow list", Question: "Make “" + model.Sanitize(name) + "” the default list?", Verb: "Make default",
			Apply: flows.Send{Label: "Changing the default list", Call: set}, Kept: note{"The default list is unchanged."}}
		return p.ctx.Call("Checking recent uses", func(ctx context.Context) (tea.Msg, error) {
			rs, err := ka.DryRunSetDefaultAllowList(ctx, ref)
			c.Refused = rs
			return c, err
		})
	case key.Matches(msg, km.Link):
		c := p.ctx.Client
		return p.ctx.Call("Reading keys", func(ctx context.Context) (tea.Msg, error) {
			ks, more, err := linkChoices(ctx, c, v.KeyIDs)
			return keysRead{v, ks, more}, err
		})
	}
	return nil
}

// ShortHelp implements app.Page.
func (p *Page) ShortHelp() []key.Binding {
	km := p.ctx.Keys
	if p.lists.Denied() != "" {
		return nil
	}
	out := []key.Binding{keymap.With(km.New, "new list")}
	if v, ok := p.lists.Selected(); ok {
		word := "make default"
		if v.Default {
			word = "unset default"
		}
		out = append(out, km.Edit, km.Delete, keymap.With(km.Link, "link keys"), keymap.With(km.Default, word))
	}
	return out
}

// FullHelp implements app.Page.
func (p *Page) FullHelp() [][]key.Binding {
	km := p.ctx.Keys
	return [][]key.Binding{
		{keymap.With(km.New, "new list"), keymap.With(km.Edit, "edit name, entries"), km.Delete,
			keymap.With(km.Link, "link/unlink keys"), keymap.With(km.Default, "set/unset default")},
		{km.Up, km.Down, km.Top, km.Bottom, km.PageUp, km.PageDown},
	}
}

// View implements tea.Model.
func (p *Page) View() string {
	return p.lists.View("A Primary Owner, Security Admin or Workspace Admin can restrict keys to IP allow lists.", func(title string) string {
		st := p.ctx.Styles
		if len(p.lists.Items) == 0 {
			return title + "\n\n" + p.lists.Para("No IP allow lists yet. Press n to make one: a key linked to a list "+
				"works only from the addresses in it, so a leaked key is useless anywhere else.")
		}
		return title + st.Subtle.Render(fmt.Sprintf(" (%d)", len(p.lists.Items))) + "\n\n" + p.lists.Table.View()
	})
}

type rows struct{ p *Page }

func (r rows) Len() int { return len(r.p.lists.Items) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	l := r.p.lists.Items[row]
	switch col {
	case 0:
		return model.Sanitize(l.Name), table.Normal
	case 1:
		if l.Default {
			return "★ default", table.Good
		}
		return "", table.Dim
	case 2:
		return strings.Join(model.EntryStrings(l.Entries), ", "), table.Normal
	case 3:
		return strconv.Itoa(len(l.KeyIDs)), table.Dim
	}
	return model.Sanitize(l.Description), table.Dim
}

func plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "ry"): // entry, not key
		return strconv.Itoa(n) + " " + strings.TrimSuffix(word, "y") + "ies"
	case strings.HasSuffix(word, "ss"): // address
		return strconv.Itoa(n) + " " + word + "es"
	}
	return strconv.Itoa(n) + " " + word + "s"
}
