package flows

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
)

// Secret is the one-time secret panel as a flow: it takes every key (q or tab
// must not lose a secret shown once), the whole width (a secret is never
// cut), and is Precious until each secret is copied or said to be saved.
type Secret struct {
	app.Base
	ctx    *app.Context
	panel  *secret.Panel
	closed bool
}

// keyRead is a key whose secret the panel shows, read again after the change
// feed named it; gone when it no longer exists.
type keyRead struct {
	s    *Secret
	id   string
	gone bool
}

// SecretShown is the Result of a secret panel once closed: its secrets are
// forgotten by then.
type SecretShown struct{}

// NewSecret shows p.
func NewSecret(ctx *app.Context, p *secret.Panel) *Secret { return &Secret{ctx: ctx, panel: p} }

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
	if s.closed {
		return nil
	}
	switch m := msg.(type) {
	case app.Changed:
		return s.follow(m)
	case app.Done:
		if r, ok := m.Msg.(keyRead); ok && r.s == s && r.gone {
			s.panel.Deleted(r.id)
		}
		return nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
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

// follow reads again the keys the change feed names: a secret whose key was
// deleted elsewhere opens nothing any more, and the panel says so instead of
// asking for it to be copied.
func (s *Secret) follow(m app.Changed) tea.Cmd {
	var cmds []tea.Cmd
	for _, id := range s.panel.KeyIDs() {
		if !m.About(client.NoticeKey, id) {
			continue
		}
		c := s.ctx.Client
		cmds = append(cmds, s.ctx.Quiet("Reading "+id, func(ctx context.Context) (tea.Msg, error) {
			k, err := c.GetKey(ctx, id)
			if model.KindOf(err) == model.KindNotFound {
				return keyRead{s, id, true}, nil
			}
			return keyRead{s, id, err == nil && k.DeletedAt != nil}, err
		}))
	}
	return tea.Batch(cmds...)
}
