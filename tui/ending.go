package tui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/app"
)

// quit is every way of ending the program the member chose (q, ctrl+c, a Quit
// message): it asks first while something precious is on screen.
func (m *Model) quit() tea.Cmd {
	if q := m.precious(); q != "" {
		m.asking, m.askPop = q, nil
		return nil
	}
	return m.end()
}

// answer takes the reply to the question quit (or pop) asked: only y ends the
// program (or the flow); anything else, ctrl+c too, keeps it running.
func (m *Model) answer(k tea.KeyMsg) tea.Cmd {
	pop := m.askPop
	m.asking, m.askPop = "", nil
	if s := k.String(); s != "y" && s != "Y" {
		return nil
	}
	if pop != nil {
		return m.pop(*pop, true)
	}
	return m.end()
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
