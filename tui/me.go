package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// meRead is the signed-in member, read again after the change feed named them.
type meRead struct{ me model.Member }

// rereadMe reads the signed-in member again: another admin may have changed
// their account type or name while the TUI is open, and what the TUI offers
// follows the account type (app.Context.Can).
func (m *Model) rereadMe() tea.Cmd {
	c := m.ctx.Client
	return m.ctx.Quiet("Reading your account", func(ctx context.Context) (tea.Msg, error) {
		me, err := c.Me(ctx)
		return meRead{me}, err
	})
}

// followMe takes the member as read again. A new account type is a new
// sign-in for the pages: each checks again what it may show, and loads.
func (m *Model) followMe(r meRead) tea.Cmd {
	was := m.ctx.Me.AccountType
	m.ctx.Me = r.me
	if r.me.AccountType == was {
		return nil
	}
	return m.broadcast(app.SignedIn{Me: r.me, Workspace: m.ctx.Workspace})
}
