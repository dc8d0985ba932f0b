// Package hygiene is the key-hygiene view (SPEC §12), opened from the API Keys
// page: the live keys that need attention, in buckets — never used, idle, the
// owner deactivated, expiring soon, no allow list, replaced but still called
// during their grace — with a count per bucket. It follows the change feed as
// the lists do; enter opens a key's details, R retires a replaced key now.
package hygiene

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// idleChoices are what i cycles through.
var idleChoices = []int{30, 60, model.DefaultIdleDays, 180, 365}

// tab is bucket b's name in the tabs (the model's label; idle says for how
// long).
func tab(b model.HygieneBucket, idle int) string {
	if b == model.BucketIdle {
		return b.Label() + " " + strconv.Itoa(idle) + "d+"
	}
	return b.Label()
}

// says is the sentence under the tabs about bucket b.
func says(b model.HygieneBucket, idle int) string {
	switch b {
	case model.BucketNeverUsed:
		return "Created more than " + strconv.Itoa(int(model.NeverUsedAfter/(24*time.Hour))) + " days ago and never used: safe to delete?"
	case model.BucketIdle:
		return "Not used in the last " + strconv.Itoa(idle) + " days (i changes how long)."
	case model.BucketOwnerDeactivated:
		return "Owned by a deactivated member: they keep working; transfer or rotate them."
	case model.BucketExpiring:
		return "Their last valid day is within " + strconv.Itoa(model.ExpiringSoonDays) + " days."
	case model.BucketNoAllowList:
		return "Usable from any address: no IP allow list of their own, and no default."
	case model.BucketReplacedInUse:
		return "Replaced, still called during their grace: R retires one now."
	}
	return ""
}

const (
	colName = iota
	colType
	colHint
	colOwner
	colWhy
)

var columns = []table.Column{
	colName:  {Title: "Name", Width: 22, Min: 12, Priority: 0, Flex: true},
	colType:  {Title: "Type", Width: 17, Min: 10, Priority: 2},
	colHint:  {Title: "Key", Width: 17, Priority: 3},
	colOwner: {Title: "Owner", Width: 26, Min: 12, Priority: 1},
	colWhy:   {Title: "Why", Width: 26, Min: 18, Priority: 0},
}

// Spec is what the API Keys page lends the view.
type Spec struct {
	// Open pushes k's details above from.
	Open func(from any, k model.Key) tea.Cmd
	// Result takes what a flow pushed from the view did (a key deleted from
	// its details), as the page would.
	Result func(p app.Pop) tea.Cmd
}

// View is the hygiene view, a flow above the API Keys page.
type View struct {
	app.Base
	ctx           *app.Context
	h             client.Hygiene
	spec          Spec
	list          *listing.List[client.KeyHealth]
	idle          int
	asked         atomic.Int64 // the idle days of the load in flight, for its call
	on            model.HygieneBucket
	view          []int // indices into list.Items of the keys in bucket on
	width, height int
}

// Open pushes the hygiene view above from; a client without the hygiene calls
// says so instead.
func Open(ctx *app.Context, from any, s Spec, w, h int) tea.Cmd {
	if err := model.Require(ctx.Me.AccountType, model.ActViewUsage, ""); err != nil {
		return app.Fail(err) // the refusal's own words: who may see it
	}
	hy, ok := ctx.Hygiene()
	if !ok {
		return app.Info("Key hygiene needs a newer server.")
	}
	v := &View{ctx: ctx, h: hy, spec: s, idle: model.DefaultIdleDays, on: model.HygieneBuckets[0]}
	v.list = listing.New(ctx, columns, listing.Config[client.KeyHealth]{
		Title: "Key hygiene", What: "key hygiene", Need: model.ActViewUsage,
		Follows: []client.NoticeKind{client.NoticeKey, client.NoticeMember, client.NoticeAllowList},
		ID:      func(f client.KeyHealth) string { return f.Key.ID },
		Fetch: func(ctx context.Context) ([]client.KeyHealth, string, error) {
			// The idle days as the view has them now: read on the UI
			// goroutine, not in the call.
			fs, err := hy.KeyHealth(ctx, client.HealthQuery{IdleDays: int(v.asked.Load())})
			return fs, "", err
		},
		Loaded: func([]client.KeyHealth) { v.pick(v.on) },
	})
	v.list.Table.SetSource(rows{v})
	v.SetSize(w, h)
	return app.Push(from, v)
}

// Init implements app.Flow: the view loads as it opens.
func (v *View) Init() tea.Cmd { return v.load() }

// load reads the buckets again, for the idle days chosen now.
func (v *View) load() tea.Cmd {
	v.asked.Store(int64(v.idle))
	return v.list.Load(false, false)
}

// Capturing implements app.Flow: a list, so tab still reaches the sidebar.
func (v *View) Capturing() bool { return false }

// SetSize implements app.Flow: the table has what the tabs and the sentence
// under them leave.
func (v *View) SetSize(w, h int) {
	v.width, v.height = w, h
	v.list.SetSize(w, max(h-v.headLines(w), 3))
	v.list.W, v.list.H = w, h
}

// headLines is how many lines the tabs and the sentence take at width w.
func (v *View) headLines(w int) int {
	return lipgloss.Height(v.tabs(w)) + 1
}

// counts is how many keys each bucket holds.
func (v *View) counts() map[model.HygieneBucket]int {
	n := map[model.HygieneBucket]int{}
	for _, f := range v.list.Items {
		for _, b := range f.Buckets {
			n[b]++
		}
	}
	return n
}

// pick shows bucket b, keeping the cursor on the same key where it can.
func (v *View) pick(b model.HygieneBucket) {
	sel, had := v.selected()
	v.on = b
	v.view = v.view[:0]
	for i, f := range v.list.Items {
		if slices.Contains(f.Buckets, b) {
			v.view = append(v.view, i)
		}
	}
	v.list.Table.SetSource(rows{v})
	v.SetSize(v.width, v.height) // the tabs may take another line
	v.list.Table.SetCursor(0)
	if had {
		for r, i := range v.view {
			if v.list.Items[i].Key.ID == sel.Key.ID {
				v.list.Table.SetCursor(r)
			}
		}
	}
}

func (v *View) selected() (client.KeyHealth, bool) {
	c := v.list.Table.Cursor()
	if c >= len(v.view) {
		return client.KeyHealth{}, false
	}
	return v.list.Items[v.view[c]], true
}

// Keys of the view, beside the lists' own.
var (
	prevBucket = key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "bucket"))
	nextBucket = key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next bucket"))
	idleKey    = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "idle days"))
	retireKey  = key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "retire now"))
)

// Update implements app.Flow.
func (v *View) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := v.list.Update(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case app.Pop:
		if r, ok := msg.Result.(retired); ok {
			return tea.Batch(v.list.Load(true, false), app.Info("Retired “"+model.Sanitize(r.key.Name)+"”: its grace is over and it no longer works."))
		}
		if v.spec.Result != nil {
			return v.spec.Result(msg)
		}
	case tea.KeyMsg:
		return v.key(msg)
	}
	return nil
}

func (v *View) key(msg tea.KeyMsg) tea.Cmd {
	km := v.ctx.Keys
	if key.Matches(msg, km.Back) {
		return app.Close(v, nil)
	}
	// The bucket and the idle days may be chosen while the list loads.
	bs := model.HygieneBuckets
	at := slices.Index(bs, v.on)
	switch s := msg.String(); {
	case key.Matches(msg, prevBucket):
		v.pick(bs[(at+len(bs)-1)%len(bs)])
		return nil
	case key.Matches(msg, nextBucket):
		v.pick(bs[(at+1)%len(bs)])
		return nil
	case len(s) == 1 && s[0] >= '1' && int(s[0]-'1') < len(bs):
		v.pick(bs[s[0]-'1'])
		return nil
	case key.Matches(msg, idleKey):
		i := 0
		for i < len(idleChoices) && idleChoices[i] <= v.idle {
			i++
		}
		v.idle = idleChoices[i%len(idleChoices)]
		return v.load()
	}
	if !v.list.Ready() || v.list.Table.Update(msg, km) {
		return nil
	}
	f, ok := v.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, km.Open):
		return v.spec.Open(v, f.Key)
	case key.Matches(msg, retireKey) && v.retirable(f.Key):
		return v.openRetire(f.Key)
	}
	return nil
}

// retirable reports whether k is a replaced key still in its grace that the
// member may manage.
func (v *View) retirable(k model.Key) bool {
	return model.CanRetire(k, v.ctx.Now()) == nil && v.ctx.Can(model.ActManageKeys, k.Type)
}

// ShortHelp implements app.Flow.
func (v *View) ShortHelp() []key.Binding {
	km := v.ctx.Keys
	out := []key.Binding{keymap.With(km.Back, "back")}
	if !v.list.Ready() {
		return out
	}
	out = append(out, prevBucket)
	if f, ok := v.selected(); ok {
		out = append(out, km.Open)
		if v.retirable(f.Key) {
			out = append(out, retireKey)
		}
	}
	return append(out, idleKey)
}

// View implements app.Flow.
func (v *View) View() string {
	return v.list.View("", func(title string) string {
		st := v.ctx.Styles
		w := v.list.W
		n := 0
		for _, f := range v.list.Items {
			if len(f.Buckets) > 0 {
				n++
			}
		}
		title += st.Subtle.Render(fmt.Sprintf(" (%s to look at)", plural(n, "key")))
		says := st.Subtle.Render(says(v.on, v.idle))
		body := v.list.Table.View()
		if len(v.view) == 0 {
			body = st.OK.Render("✓ None.")
		}
		return title + "\n" + v.tabs(w) + "\n" + v.list.Para(says) + "\n" + body
	})
}

// tabs are the buckets and their counts, the one shown in brackets (not by
// colour alone), wrapped to width w.
func (v *View) tabs(w int) string {
	st := v.ctx.Styles
	n := v.counts()
	var parts []string
	for _, b := range model.HygieneBuckets {
		t := fmt.Sprintf("%s %d", tab(b, v.idle), n[b])
		if b == v.on {
			parts = append(parts, st.Accent.Render("["+t+"]"))
			continue
		}
		parts = append(parts, st.Subtle.Render(" "+t+" "))
	}
	return wrap(parts, max(w, 10))
}

// wrap joins parts on lines no wider than w.
func wrap(parts []string, w int) string {
	var lines []string
	line := ""
	for _, p := range parts {
		if line != "" && lipgloss.Width(line)+lipgloss.Width(p) > w {
			lines = append(lines, line)
			line = ""
		}
		line += p
	}
	return strings.Join(append(lines, line), "\n")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// rows adapts the keys of the shown bucket to table.Source.
type rows struct{ v *View }

func (r rows) Len() int { return len(r.v.view) }

func (r rows) Cell(row, col int) (string, table.Tone) {
	v := r.v
	f := &v.list.Items[v.view[row]]
	switch col {
	case colName:
		return model.Sanitize(f.Key.Name), table.Normal
	case colType:
		return f.Key.Type.Label(), table.Normal
	case colHint:
		return model.Sanitize(f.Key.Hint), table.Dim
	case colOwner:
		o := model.Sanitize(f.Key.OwnerName)
		if slices.Contains(f.Buckets, model.BucketOwnerDeactivated) {
			return o + " (deactivated)", table.Dim
		}
		return o, table.Dim
	case colWhy:
		return v.why(f)
	}
	return "", table.Normal
}

// why is what the shown bucket says about f's key.
func (v *View) why(f *client.KeyHealth) (string, table.Tone) {
	now, pol := v.ctx.Now(), v.ctx.Policy
	loc := pol.Loc()
	k := f.Key
	switch v.on {
	case model.BucketNeverUsed:
		return "created " + model.Ago(&k.CreatedAt, now, loc), table.Dim
	case model.BucketExpiring:
		return expiry.Column(k, now, pol)
	case model.BucketReplacedInUse:
		if d, err := model.ParseDate(f.ReplacedOn); err == nil && f.UsesSinceReplaced > 0 {
			// In use by the day's counts: its last use, written once a
			// minute, is from before the rotation.
			s := fmt.Sprintf("%d since %d %s", f.UsesSinceReplaced, d.Day, d.Month.String()[:3])
			if k.LastUsedAt != nil {
				s = model.Ago(k.LastUsedAt, now, loc) + ", " + s
			}
			return s, table.Warn
		}
		s := "used " + model.Ago(k.LastUsedAt, now, loc)
		if k.LastUsedAddr != "" {
			s += " from " + model.Sanitize(k.LastUsedAddr)
		}
		return s, table.Warn
	}
	if k.LastUsedAt == nil {
		return "never used", table.Dim
	}
	return "used " + model.Ago(k.LastUsedAt, now, loc), table.Dim
}

// retired is the result of a retire-now confirmation.
type retired struct{ key model.Key }

// openRetire asks before ending k's grace: whoever still calls it is refused
// from then on.
func (v *View) openRetire(k model.Key) tea.Cmd {
	confirm := false
	hy, name, now, loc := v.h, model.Sanitize(k.Name), v.ctx.Now(), v.ctx.Policy.Loc()
	target := k
	desc := "Its grace would end in " + model.Span(k.ExpiresAt.Sub(now)) + "; it was last used " + model.Ago(k.LastUsedAt, now, loc) +
		". Whoever still calls it is refused from now on."
	c := v.ctx.Client
	return app.Push(v, flows.NewForm(v.ctx, flows.Spec{
		Title: "Retire now",
		Row: &flows.Row{Kind: client.NoticeKey, ID: k.ID, Name: name,
			Get: func(ctx context.Context) (any, error) { return c.GetKey(ctx, target.ID) },
			Gone: func(row any) string {
				if row.(model.Key).DeletedAt != nil {
					return "“" + name + "” was deleted elsewhere."
				}
				return ""
			},
			Adopt: func(row any) { target = row.(model.Key) }},
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewConfirm().Title("Retire “" + name + "” now?").Description(desc).
				Affirmative("Retire").Negative("Cancel").Value(&confirm).WithButtonAlignment(lipgloss.Left)))
		},
		Refused: func() { confirm = false },
		Submit: func() (flows.Send, error) {
			if !confirm {
				return flows.Send{}, nil
			}
			k := target
			return flows.Send{Label: "Retiring “" + name + "”", Call: func(ctx context.Context) (any, error) {
				nk, err := hy.RetireKey(ctx, k.ID, k.Version)
				return retired{nk}, err
			}}, nil
		},
	}))
}
