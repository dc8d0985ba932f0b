package flows

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
)

// Secret is the one-time secret panel as a flow: it takes every key (q or tab
// must not lose a secret shown once), the whole width (a secret is never
// cut), and is Precious until each secret is copied or said to be saved.
type Secret struct {
	app.Base
	panel  *secret.Panel
	closed bool
}

// SecretShown is the Result of a secret panel once closed: its secrets are
// forgotten by then.
type SecretShown struct{}

// NewSecret shows p.
func NewSecret(p *secret.Panel) *Secret { return &Secret{panel: p} }

// FullWidth implements app.Flow.
func (s *Secret) FullWidth() bool { return true }

// SetSize implements app.Flow.
func (s *Secret) SetSize(w, h int) { s.panel.SetSize(w, h) }

// View implements app.Flow.
func (s *Secret) View() string { return s.panel.View() }

// ShortHelp implements app.Flow.
func (s *Secret) ShortHelp() []key.Binding { return s.panel.Help() }

// Precious implements app.Flow.
func (s *Secret) Precious() string {
	if s.closed {
		return ""
	}
	return s.panel.Precious()
}

// Holds reports whether the flow still holds secrets.
func (s *Secret) Holds() bool { return !s.closed }

// Update implements app.Flow.
func (s *Secret) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok || s.closed {
		return nil
	}
	cmd, done := s.panel.Key(k)
	if !done {
		return cmd
	}
	// The panel asked first if a secret wasn't copied; closing now is the
	// member's answer.
	s.panel.Close()
	s.closed = true
	return tea.Sequence(app.Close(s, SecretShown{}), cmd)
}
