// Package status is the footer's status line: a spinner while backend calls are in
// flight, and the last message or error, which fades after a few seconds.
package status

import (
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// How long a message stays. An error stays longer: it says what to do.
const (
	FadeAfter      = 5 * time.Second
	ErrorFadeAfter = 10 * time.Second
)

// Model is the status line.
type Model struct {
	st       *styles.Styles
	spin     spinner.Model
	inflight []string // labels of calls in flight, oldest first
	ticking  bool
	text     string
	isErr    bool
	issued   uint64 // the newest app.Status.Issued shown

	// A message fades by the clock the TUI runs on (frozen in tests, so their
	// frames never depend on how fast the machine is): seq numbers the
	// messages, and a Fade for an older one is dropped.
	clock func() time.Time
	shown time.Time
	seq   int
	tick  func(time.Duration, func(time.Time) tea.Msg) tea.Cmd // tea.Tick
}

// Fade is the status line's timer: message Seq may be due to go. The root
// hands it to the status line's Update.
type Fade struct{ Seq int }

// New makes an empty status line whose messages fade by clock (nil: the
// wall clock).
func New(st *styles.Styles, clock func() time.Time) Model {
	if clock == nil {
		clock = time.Now
	}
	return Model{st: st, spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner)),
		clock: clock, tick: tea.Tick}
}

// show puts text up and starts its timer.
func (m *Model) show(text string, isErr bool) tea.Cmd {
	m.text, m.isErr = text, isErr
	m.seq++
	if text == "" {
		return nil
	}
	m.shown = m.clock()
	return m.fadeIn(m.life())
}

func (m *Model) life() time.Duration {
	if m.isErr {
		return ErrorFadeAfter
	}
	return FadeAfter
}

func (m *Model) fadeIn(d time.Duration) tea.Cmd {
	seq := m.seq
	return m.tick(d, func(time.Time) tea.Msg { return Fade{Seq: seq} })
}

// fade clears the message f is about once its time is up by the clock, and
// looks again later if it is not.
func (m *Model) fade(f Fade) tea.Cmd {
	if f.Seq != m.seq || m.text == "" {
		return nil
	}
	if left := m.life() - m.clock().Sub(m.shown); left > 0 {
		return m.fadeIn(left)
	}
	m.text, m.isErr = "", false
	return nil
}

// Text is the message shown, without styling (for tests).
func (m *Model) Text() string { return m.text }

// Update follows app.Started, app.Done, app.Status and its own Fade, and keeps
// the spinner turning only while something is in flight.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case app.Started:
		m.inflight = append(m.inflight, msg.Label)
		m.show("", false)
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
			return m.show(app.Message(msg.Err), true)
		}
	case app.Status:
		if msg.Issued != 0 {
			if msg.Issued < m.issued && m.text != "" {
				return nil // a later-issued status is still up
			}
			m.issued = msg.Issued
		}
		return m.show(msg.Text, msg.Error)
	case Fade:
		return m.fade(msg)
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
