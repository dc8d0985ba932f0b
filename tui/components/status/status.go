// Package status is the footer's status line: a spinner while backend calls are in
// flight, and the last message or error.
package status

import (
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Model is the status line.
type Model struct {
	st       *styles.Styles
	spin     spinner.Model
	inflight []string // labels of calls in flight, oldest first
	ticking  bool
	text     string
	isErr    bool
}

// New makes an empty status line.
func New(st *styles.Styles) Model {
	return Model{st: st, spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner))}
}

// Text is the message shown, without styling (for tests).
func (m *Model) Text() string { return m.text }

// Update follows app.Started, app.Done and app.Status, and keeps the spinner
// turning only while something is in flight.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case app.Started:
		m.inflight = append(m.inflight, msg.Label)
		m.text, m.isErr = "", false
		if !m.ticking {
			m.ticking = true
			return m.spin.Tick
		}
	case app.Done:
		for i, l := range m.inflight {
			if l == msg.Label {
				m.inflight = append(m.inflight[:i], m.inflight[i+1:]...)
				break
			}
		}
		if msg.Err != nil {
			m.text, m.isErr = app.Message(msg.Err), true
		}
	case app.Status:
		m.text, m.isErr = msg.Text, msg.Error
	case spinner.TickMsg:
		if len(m.inflight) == 0 {
			m.ticking = false
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	}
	return nil
}

// View renders the line, cut to width.
func (m *Model) View(width int) string {
	var s string
	switch {
	case len(m.inflight) > 0:
		s = m.spin.View() + " " + m.st.StatusInfo.Render(m.inflight[len(m.inflight)-1]+"…")
	case m.isErr:
		s = m.st.StatusError.Render("✗ " + m.text)
	case m.text != "":
		s = m.st.StatusInfo.Render(m.text)
	}
	return ansi.Truncate(" "+s, width, "…")
}
