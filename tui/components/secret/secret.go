// Package secret is the panel that shows new secrets exactly once. It holds the
// secrets only while open; Close drops them.
package secret

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// Entry is one new secret and the key it belongs to. A bulk rotation shows
// several.
type Entry struct {
	Name   string // the key's name, as stored (sanitised when shown)
	KeyID  string // the API key the secret opens ("" for another kind of secret)
	Type   model.KeyType
	Secret model.Secret
	Note   string // a line under the secret, e.g. until when the old key works
}

// Failure is a key that got no new secret, and why; a bulk rotation that fails
// halfway lists them beside the secrets it did make, so nothing is lost silently.
type Failure struct {
	Name   string // as stored
	Reason string // already fit to show
}

// Width is the narrowest panel (borders included) that shows a secret on one line.
const Width = 50

// Panel shows entries until closed.
type Panel struct {
	ctx      *app.Context
	title    string
	entries  []Entry
	failures []Failure
	copied   []bool // per entry, by c or C
	gone     []bool // per entry, its key deleted elsewhere: the secret opens nothing
	saved    bool   // s: the admin says every secret is saved
	sel      int    // the entry c copies
	asking   bool   // enter or esc asked whether to close with secrets not copied
	width    int
	height   int
	path     *textinput.Model // w: the file to write the secrets to, while it is asked for (file.go)
	explain  string           // replaces the line on how the secret is kept, and what losing it costs
	lost     string           // replaces the status line after closing an uncopied secret
}

// New opens a panel on these entries.
func New(ctx *app.Context, entries ...Entry) *Panel {
	return &Panel{ctx: ctx, entries: entries, copied: make([]bool, len(entries)), gone: make([]bool, len(entries))}
}

// KeyIDs is the API keys whose secrets the panel still shows, for the flow to
// follow: one deleted elsewhere takes its secret with it (Deleted).
func (p *Panel) KeyIDs() []string {
	var out []string
	for i, e := range p.entries {
		if e.KeyID != "" && !p.gone[i] {
			out = append(out, e.KeyID)
		}
	}
	return out
}

// Deleted says that key id was deleted elsewhere: its secret no longer works,
// so it is dropped from the panel and nothing asks before closing over it.
func (p *Panel) Deleted(id string) {
	for i, e := range p.entries {
		if e.KeyID == id && id != "" {
			p.gone[i] = true
			p.entries[i].Secret = model.Secret{}
		}
	}
	if p.Precious() == "" {
		p.asking = false
	}
}

// live reports whether entry i's secret still works and is still to be taken.
func (p *Panel) live(i int) bool { return !p.gone[i] }

// allGone reports whether every secret shown was of a key deleted elsewhere.
func (p *Panel) allGone() bool {
	for i := range p.entries {
		if p.live(i) {
			return false
		}
	}
	return len(p.entries) > 0
}

func (p *Panel) goneText(i int) string {
	return "“" + model.Sanitize(p.entries[i].Name) + "” was deleted elsewhere: its secret no longer works."
}

// WithTitle sets the panel's title ("Key rotated"); the default says created.
func (p *Panel) WithTitle(t string) *Panel { p.title = t; return p }

// WithExplanation replaces, for a secret that isn't an API key's, the line saying
// how it is kept and the status line shown when it is closed uncopied.
func (p *Panel) WithExplanation(explain, lost string) *Panel {
	p.explain, p.lost = explain, lost
	return p
}

// WithFailures lists keys that got no secret under the ones that did.
func (p *Panel) WithFailures(f []Failure) *Panel { p.failures = f; return p }

// SetSize sets the room the panel may take.
func (p *Panel) SetSize(width, height int) { p.width, p.height = width, height }

// Close forgets the secrets: nothing keeps a reference once the panel is gone.
func (p *Panel) Close() {
	for i := range p.entries {
		p.entries[i].Secret = model.Secret{}
	}
	p.entries = nil
}

func (p *Panel) uncopied() int {
	if p.saved {
		return 0
	}
	n := 0
	for i, c := range p.copied {
		if !c && p.live(i) {
			n++
		}
	}
	return n
}

// Precious implements app.Precious: the secrets not yet copied, nor confirmed
// as saved with s, would be lost for good if the panel closed now.
func (p *Panel) Precious() string {
	n := p.uncopied()
	switch {
	case n == 0:
		return ""
	case len(p.entries) == 1:
		return "The secret of “" + model.Sanitize(p.entries[0].Name) + "” hasn't been copied."
	case n == 1:
		for i, c := range p.copied {
			if !c && p.live(i) {
				return "The secret of “" + model.Sanitize(p.entries[i].Name) + "” hasn't been copied."
			}
		}
	}
	return fmt.Sprintf("%d of %d new secrets haven't been copied.", n, len(p.entries))
}

// saved is the explicit "I've saved it": for a terminal that ignores OSC 52,
// where copying with c did nothing.
var saved = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "I've saved it"))

// Key handles a key press. done reports that the panel is to close (the caller
// then calls Close). enter or esc with a secret neither copied nor saved asks
// first, No being the default, since closing loses it for good.
func (p *Panel) Key(msg tea.KeyMsg) (cmd tea.Cmd, done bool) {
	km := p.ctx.Keys
	if p.path != nil {
		return p.pathKey(msg), false
	}
	if p.asking {
		// Only y closes; c, C or s do what they say (the question is moot
		// then); any other key is a No.
		p.asking = false
		switch {
		case msg.String() == "y" || msg.String() == "Y":
			return p.closedUncopied(), true
		case !key.Matches(msg, km.Copy, km.CopyAll, saved):
			return nil, false
		}
	}
	switch {
	case key.Matches(msg, km.Copy):
		return p.Copy(), false
	case key.Matches(msg, km.CopyAll):
		return p.CopyAll(), false
	case p.canWrite() && key.Matches(msg, writeFile):
		return p.startWrite(), false
	case key.Matches(msg, km.Quit):
		// The panel takes every key, so q would do nothing; it quits as
		// anywhere else, and the root asks first (see app.Precious).
		return func() tea.Msg { return app.Quit{} }, false
	case key.Matches(msg, saved):
		p.saved = true
		return app.Info("Marked as saved: enter or esc closes the panel."), false
	case key.Matches(msg, km.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(msg, km.Down):
		p.sel = min(p.sel+1, max(len(p.entries)-1, 0))
	case msg.String() == "enter" || key.Matches(msg, km.Back):
		if p.Precious() != "" {
			p.asking = true // the panel asks, next to the secrets
			return nil, false
		}
		return nil, true
	}
	return nil, false
}

func (p *Panel) closedUncopied() tea.Cmd {
	if n := p.uncopied(); n > 1 {
		return app.Info(fmt.Sprintf("Closed without copying %d secrets; rotate those keys again if they are needed.", n))
	}
	if p.lost != "" {
		return app.Info(p.lost)
	}
	return app.Info("Closed without copying the secret; rotate the key again if it is needed.")
}

// Copy sends the selected secret to the terminal's clipboard with OSC 52, which
// works over SSH when the terminal supports it. Nothing comes back to say
// whether it did, so the words claim only what was sent; choosing to copy still
// counts as having the secret.
func (p *Panel) Copy() tea.Cmd {
	if len(p.entries) == 0 {
		return nil
	}
	if !p.live(p.sel) {
		return app.Info(p.goneText(p.sel))
	}
	e := p.entries[p.sel]
	p.copied[p.sel] = true
	what := "the secret"
	if len(p.entries) > 1 {
		what = "the secret for “" + model.Sanitize(e.Name) + "”"
	}
	return p.write(e.Secret.Reveal(), what)
}

// CopyAll sends every secret as NAME=SECRET lines, one per key in the order
// shown, with names made fit for a shell or a dotenv file (EnvNames): the paste
// for a secrets file or a vault import.
func (p *Panel) CopyAll() tea.Cmd {
	if len(p.entries) == 0 || p.allGone() {
		return nil
	}
	text := p.lines()
	n := 0
	for i := range p.copied {
		p.copied[i] = true
		if p.live(i) {
			n++
		}
	}
	what := "1 secret as a NAME=SECRET line"
	if n > 1 {
		what = fmt.Sprintf("%d secrets as NAME=SECRET lines", n)
	}
	return p.write(text, what)
}

// lines is every secret as a NAME=SECRET line, in the order shown: what C
// copies and w writes.
func (p *Panel) lines() string {
	names := make([]string, len(p.entries))
	for i, e := range p.entries {
		names[i] = e.Name
	}
	var b strings.Builder
	for i, n := range EnvNames(names) {
		if p.live(i) {
			b.WriteString(n + "=" + p.entries[i].Secret.Reveal() + "\n")
		}
	}
	return b.String()
}

func (p *Panel) write(text, what string) tea.Cmd { return Send(p.ctx, text, what) }

// Send is the one way the TUI copies: it sends text to the terminal's
// clipboard with OSC 52 (wrapped for tmux and screen when they are there, see
// clipboard), and the status line says what was sent — "Sent what to your
// terminal's clipboard with OSC 52 …" — and never more, since nothing comes
// back to say whether it arrived. what must not hold the text when it is a
// secret.
func Send(ctx *app.Context, text, what string) tea.Cmd {
	out := ctx.Output
	seqs, via := clipboard(text, ctx.Env)
	stamp := app.Later()
	return func() tea.Msg {
		for _, s := range seqs {
			if _, err := s.WriteTo(out); err != nil {
				return stamp(app.Status{Text: "Couldn't send to the clipboard: " + err.Error(), Error: true})
			}
		}
		return stamp(app.Status{Text: "Sent " + what + " to your terminal's clipboard with OSC 52" + via +
			" — if your terminal doesn't support it, nothing was copied."})
	}
}

// Help is the panel's bindings that apply now.
func (p *Panel) Help() []key.Binding {
	km := p.ctx.Keys
	var out []key.Binding
	switch {
	case len(p.entries) == 0 || p.allGone():
	case len(p.entries) == 1:
		out = append(out, km.Copy)
	default:
		out = append(out, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose")),
			keymap.With(km.Copy, "copy this one"), keymap.With(km.CopyAll, "copy all"))
	}
	if p.canWrite() {
		out = append(out, writeFile)
	}
	if p.path != nil {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "write")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "don't"))}
	}
	if p.asking {
		return []key.Binding{key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "keep it open")),
			key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "close anyway"))}
	}
	if len(p.entries) > 0 && !p.saved && !p.allGone() {
		out = append(out, saved)
	}
	return append(out, key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "done")))
}
