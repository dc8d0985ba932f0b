// Package secret is the panel that shows new secrets exactly once. It holds the
// secrets only while open; Close drops them.
package secret

import (
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// Entry is one new secret and the key it belongs to. A bulk rotation shows
// several.
type Entry struct {
	Name   string // the key's name, as stored (sanitised when shown)
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
	sel      int    // the entry c copies
	warned   bool   // close was asked once with secrets not copied
	width    int
	height   int
	explain  string // replaces the line on how the secret is kept, and what losing it costs
	lost     string // replaces the status line after closing an uncopied secret
}

// New opens a panel on these entries.
func New(ctx *app.Context, entries ...Entry) *Panel {
	return &Panel{ctx: ctx, entries: entries, copied: make([]bool, len(entries))}
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
	n := 0
	for _, c := range p.copied {
		if !c {
			n++
		}
	}
	return n
}

// Key handles a key press. done reports that the panel is to close (the caller
// then calls Close): the first enter or esc with a secret not yet copied only
// warns, since closing loses it for good.
func (p *Panel) Key(msg tea.KeyMsg) (cmd tea.Cmd, done bool) {
	km := p.ctx.Keys
	switch {
	case key.Matches(msg, km.Copy):
		return p.Copy(), false
	case key.Matches(msg, km.CopyAll):
		return p.CopyAll(), false
	case key.Matches(msg, km.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(msg, km.Down):
		p.sel = min(p.sel+1, max(len(p.entries)-1, 0))
	case msg.String() == "enter" || key.Matches(msg, km.Back):
		n := p.uncopied()
		switch {
		case n > 0 && !p.warned:
			p.warned = true // the panel says so, next to the secrets
			return nil, false
		case n > 0 && len(p.entries) == 1 && p.lost != "":
			return app.Info(p.lost), true
		case n > 0 && len(p.entries) == 1:
			return app.Info("Closed without copying the secret; rotate the key again if it is needed."), true
		case n > 0:
			return app.Info(fmt.Sprintf("Closed without copying %d secrets; rotate those keys again if they are needed.", n)), true
		}
		return nil, true
	}
	return nil, false
}

func (p *Panel) notCopied(n int) string {
	if len(p.entries) == 1 {
		return "⚠ Not copied yet"
	}
	return fmt.Sprintf("⚠ %d of %d not copied yet", n, len(p.entries))
}

// Copy writes the selected secret to the terminal's clipboard with OSC 52,
// which works over SSH.
func (p *Panel) Copy() tea.Cmd {
	if len(p.entries) == 0 {
		return nil
	}
	e := p.entries[p.sel]
	p.copied[p.sel] = true
	msg := "Copied to the clipboard (OSC 52). Paste it where the key is used."
	if len(p.entries) > 1 {
		msg = "Copied the secret for “" + model.Sanitize(e.Name) + "” (OSC 52)."
	}
	return p.write(e.Secret.Reveal(), msg)
}

// CopyAll writes every secret as NAME=SECRET lines, one per key, in the order
// shown: the paste for a secrets file or a vault import.
func (p *Panel) CopyAll() tea.Cmd {
	if len(p.entries) == 0 {
		return nil
	}
	var b strings.Builder
	for i, e := range p.entries {
		b.WriteString(model.Sanitize(e.Name) + "=" + e.Secret.Reveal() + "\n")
		p.copied[i] = true
	}
	n := "1 secret"
	if len(p.entries) > 1 {
		n = fmt.Sprintf("%d secrets", len(p.entries))
	}
	return p.write(b.String(), "Copied "+n+" as NAME=SECRET lines (OSC 52).")
}

func (p *Panel) write(text, done string) tea.Cmd {
	out := p.ctx.Output
	return func() tea.Msg {
		if _, err := osc52.New(text).WriteTo(out); err != nil {
			return app.Status{Text: "Couldn't copy: " + err.Error(), Error: true}
		}
		return app.Status{Text: done}
	}
}

// Help is the panel's bindings that apply now.
func (p *Panel) Help() []key.Binding {
	km := p.ctx.Keys
	var out []key.Binding
	switch len(p.entries) {
	case 0:
	case 1:
		out = append(out, km.Copy)
	default:
		out = append(out, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose")),
			keymap.With(km.Copy, "copy this one"), keymap.With(km.CopyAll, "copy all"))
	}
	return append(out, key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "done")))
}
