// Package secret is the panel that shows new secrets exactly once. It holds the
// secrets only while open; Close drops them.
package secret

import (
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// Entry is one new secret and the key it belongs to. Rotation (several keys at
// once) shows several.
type Entry struct {
	Name   string // the key's name, as stored (sanitised when shown)
	Type   model.KeyType
	Secret model.Secret
}

// Width is the narrowest panel (borders included) that shows a secret on one line.
const Width = 50

// Panel shows entries until closed.
type Panel struct {
	ctx     *app.Context
	entries []Entry
	copied  bool
	width   int
}

// New opens a panel on these entries.
func New(ctx *app.Context, entries ...Entry) *Panel {
	return &Panel{ctx: ctx, entries: entries}
}

// SetSize sets the width the panel may take.
func (p *Panel) SetSize(width, _ int) { p.width = width }

// Close forgets the secrets: nothing keeps a reference once the panel is gone.
func (p *Panel) Close() {
	for i := range p.entries {
		p.entries[i].Secret = model.Secret{}
	}
	p.entries = nil
}

// Copied reports whether the secret was sent to the clipboard.
func (p *Panel) Copied() bool { return p.copied }

// Copy writes the secrets to the terminal's clipboard with OSC 52, which works
// over SSH. Several secrets are copied as NAME=SECRET lines.
func (p *Panel) Copy() tea.Cmd {
	var text string
	if len(p.entries) == 1 {
		text = p.entries[0].Secret.Reveal()
	} else {
		var b strings.Builder
		for _, e := range p.entries {
			b.WriteString(model.Sanitize(e.Name) + "=" + e.Secret.Reveal() + "\n")
		}
		text = b.String()
	}
	p.copied = true
	out := p.ctx.Output
	return func() tea.Msg {
		if _, err := osc52.New(text).WriteTo(out); err != nil {
			return app.Status{Text: "Couldn't copy: " + err.Error(), Error: true}
		}
		return app.Status{Text: "Copied to the clipboard (OSC 52). Paste it where the key is used."}
	}
}

// Help is the panel's bindings.
func (p *Panel) Help() []key.Binding {
	km := p.ctx.Keys
	return []key.Binding{km.Copy, key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "done"))}
}

// View renders the panel.
func (p *Panel) View() string {
	st := p.ctx.Styles
	var b strings.Builder
	title := "Key created"
	if len(p.entries) > 1 {
		title = "Keys created"
	}
	b.WriteString(st.PageTitle.Render(title) + "\n\n")
	for i, e := range p.entries {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(st.Bold.Render("New secret for “"+model.Sanitize(e.Name)+"”") + st.Subtle.Render(" ("+e.Type.Label()+")") + "\n")
		b.WriteString(st.SecretText.Render(e.Secret.Reveal()) + "\n")
	}
	b.WriteString("\n")
	b.WriteString(st.Warn.Render("⚠ Copy it now: it won't be shown again.") + "\n")
	b.WriteString(st.Subtle.Render("Only its hash is stored; if it is lost, rotate the key."))
	if p.copied {
		b.WriteString("\n" + st.OK.Render("✓ Copied to the clipboard."))
	}
	w := max(min(p.width, Width+12)-2, 0) // Width counts the border, lipgloss does not
	return st.SecretBox.Width(w).Render(b.String())
}
