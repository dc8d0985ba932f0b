package tui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/app"
)

// precious is what ending the program now would lose, from whichever page holds
// it (see app.Precious); "" when nothing would be.
func (m *Model) precious() string {
	for _, p := range m.pages {
		if h, ok := p.(app.Precious); ok {
			if s := h.Precious(); s != "" {
				return s
			}
		}
	}
	return ""
}

// quit is every way of ending the program the member chose (q, ctrl+c, a Quit
// message): it asks first while something precious is on screen.
func (m *Model) quit() tea.Cmd {
	if q := m.precious(); q != "" {
		m.asking = q
		return nil
	}
	return m.end()
}

// answer takes the reply to the question quit asked: only y ends the program;
// anything else, ctrl+c too, keeps it running.
func (m *Model) answer(k tea.KeyMsg) tea.Cmd {
	m.asking = ""
	if s := k.String(); s == "y" || s == "Y" {
		return m.end()
	}
	return nil
}

func (m *Model) end() tea.Cmd {
	m.cancel()
	return tea.Quit
}

// ending handles what the server says about ending the session.
func (m *Model) ending(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case app.Quit:
		return m.quit()
	case app.ShuttingDown:
		m.shutdown, m.idleWarning = true, false
		m.notice = fmt.Sprintf("⚠ The server is shutting down: this session ends within %s. Copy what you need now.", human(msg.In))
		// Update ends the program now if nothing precious is on screen.
	case app.IdleWarning:
		if !m.shutdown {
			m.idleWarning = true
			m.notice = fmt.Sprintf("⚠ This session closes in %s without a keystroke.", human(msg.Left))
		}
	}
	return nil
}

// human is d in whole minutes or seconds, rounded up: "1 minute", "9 seconds".
func human(d time.Duration) string {
	unit, n := "second", int((d+time.Second-1)/time.Second)
	if d >= time.Minute {
		unit, n = "minute", int((d+time.Minute-1)/time.Minute)
	}
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
