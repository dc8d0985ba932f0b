package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/components/table"
)

// The mouse, when on (Options.Mouse), is worked out from the layout View
// draws, with no markers in the frame: the header's lines, then the body —
// the sidebar's sidebarWidth() columns (its title, a blank line, one line per
// page) and the pane after a one-column margin — then the footer. A click on
// a sidebar entry opens its page; in the pane the event goes, moved to the
// pane's own coordinates, to the flow on top (the wheel as ↑/↓) or to the page
// (listing.List selects the row clicked, the wheel scrolls the table).

// mouseCmd is the command that turns mouse reporting on when Options.Mouse
// asked for it: cell motion, so a terminal sends clicks, drags and the wheel
// but not every movement. Bubble Tea turns it off again when the program ends.
func (m *Model) mouseCmd() tea.Cmd {
	if !m.mouseOn {
		return nil
	}
	return tea.EnableMouseCellMotion
}

// mouse handles a mouse event.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if m.asking != "" || m.ctx.Width < minWidth || m.ctx.Height < minHeight {
		return nil // a question on screen is answered with the keyboard
	}
	press := msg.Action == tea.MouseActionPress
	wheel := press && (msg.Button == tea.MouseButtonWheelUp || msg.Button == tea.MouseButtonWheelDown)
	click := press && msg.Button == tea.MouseButtonLeft
	if !wheel && !click {
		return nil
	}
	y := msg.Y - headerHeight
	if y < 0 || y >= m.bodyHeight() {
		return nil
	}
	if m.fullHelp {
		if wheel {
			d := table.WheelRows
			if msg.Button == tea.MouseButtonWheelUp {
				d = -d
			}
			last := max(len(m.fullHelpLines(m.paneWidth()))-m.bodyHeight(), 0)
			m.helpTop = min(max(m.helpTop+d, 0), last)
		}
		return nil
	}
	left := 0 // where the pane's margin is
	if !m.fullWidth() {
		left = m.sidebarWidth()
		if msg.X < left {
			if !click {
				return nil
			}
			if i := y - sidebarTop; i >= 0 && i < len(m.pages) {
				m.sidebar = false
				return m.choose(i)
			}
			return nil
		}
	}
	x := msg.X - left - 1
	if x < 0 || x >= m.paneWidth() {
		return nil
	}
	if click {
		m.sidebar = false // a click in the page gives it the keyboard
	}
	if f := m.top(m.active); f != nil {
		if wheel {
			k := tea.KeyMsg{Type: tea.KeyDown}
			if msg.Button == tea.MouseButtonWheelUp {
				k = tea.KeyMsg{Type: tea.KeyUp}
			}
			return f.Update(k)
		}
		msg.X, msg.Y = x, y
		return f.Update(msg)
	}
	if m.sessionErr != nil || !m.signedIn {
		return nil
	}
	msg.X, msg.Y = x, y
	return m.send(m.active, msg)
}
