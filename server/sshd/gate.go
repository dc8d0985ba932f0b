package sshd

import tea "github.com/charmbracelet/bubbletea"

// gate holds a TUI back until its session's audit event is written. The TUI's
// first frame (its frame and sidebar, nothing of the workspace) draws while the
// write is in flight; its Init, which signs in and reads, and every keystroke
// wait for the write, so nothing is read or done before the session is on
// record. Keystrokes typed meanwhile are replayed in order, not lost. If the
// write fails, failed ends the session with the reason.
type gate struct {
	inner  tea.Model
	audit  *auditWrite
	failed func(error)

	open bool
	held []tea.Msg // input that arrived before the write finished
}

// audited is the audit write's outcome, delivered to the program.
type audited struct{ err error }

func (g *gate) Init() tea.Cmd {
	return func() tea.Msg { return audited{g.audit.wait()} }
}

func (g *gate) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case audited:
		if msg.err != nil {
			g.failed(msg.err)
			return g, nil
		}
		g.open = true
		cmds := []tea.Cmd{g.inner.Init()}
		for _, h := range g.held {
			var cmd tea.Cmd
			g.inner, cmd = g.inner.Update(h)
			cmds = append(cmds, cmd)
		}
		g.held = nil
		return g, tea.Batch(cmds...)
	case tea.KeyMsg, tea.MouseMsg:
		if !g.open {
			g.held = append(g.held, msg)
			return g, nil
		}
	}
	var cmd tea.Cmd
	g.inner, cmd = g.inner.Update(msg)
	return g, cmd
}

func (g *gate) View() string { return g.inner.View() }
