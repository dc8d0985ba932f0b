package sshd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/model"
)

// queryTimeout bounds the wait for the client's terminal to answer the
// background-colour query made while building the session's renderer. A terminal
// that never answers costs the first frame this long, once.
const queryTimeout = time.Second

// runTUI runs the TUI on a session with a PTY until the member quits or the
// session is ended, and returns the exit status.
func (s *Server) runTUI(ls *session, c *conn, programs chan<- *tea.Program, audit *auditWrite) int {
	r := s.renderer(ls)
	m, err := s.cfg.TUI(ls.ctx, ls, ls.member, r)
	if err != nil {
		ls.log.Warn("ssh tui refused", "err", err)
		fmt.Fprintf(ls.Stderr(), "apikeys: %s\r\n", model.Sanitize(err.Error()))
		return 1
	}
	g := &gate{inner: m, audit: audit, failed: func(err error) {
		s.auditFailed(ls, c, err)
		ls.end(endAuditFailed, auditRefusal(err))
	}}
	p := tea.NewProgram(g,
		tea.WithInput(ls), tea.WithOutput(ls),
		tea.WithAltScreen(),
		// Ending the session's context kills the program, which restores the
		// client's screen before the member is told why.
		tea.WithContext(ls.ctx),
		// SIGINT/SIGTERM belong to the server, which ends sessions itself.
		tea.WithoutSignalHandler(),
		tea.WithEnvironment(ls.Environ()),
	)
	programs <- p
	ls.mu.Lock()
	ls.program = p
	ls.mu.Unlock()
	_, err = p.Run()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, tea.ErrProgramPanic):
		// Bubble Tea recovered it and restored the screen; the server goes on.
		ls.log.Error("ssh tui panicked", "err", err)
		fmt.Fprint(ls.Stderr(), "\r\napikeys: internal error; this session has ended. The server is still running.\r\n")
		return 1
	case errors.Is(err, tea.ErrProgramKilled):
		return 1 // ended by the server or by the client going away
	default:
		ls.log.Error("ssh tui failed", "err", err)
		return 1
	}
}

// renderer is the session's own lipgloss renderer, made (as wish makes it) from
// the client's TERM, environment and background colour, so one admin's colours
// never leak into another's terminal. NO_COLOR from the client means no colour.
func (s *Server) renderer(ls *session) *lipgloss.Renderer {
	ls.in.setDeadline(time.Now().Add(queryTimeout))
	r := sessionRenderer(ls, ls)
	ls.in.setDeadline(time.Time{})
	if noColor(ls.Environ()) {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

// noColor reports whether the client set NO_COLOR to anything (no-color.org).
func noColor(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return true
		}
	}
	return false
}

// forwardWindows keeps the program's size in step with the client's terminal.
// It always drains the window channel, TUI or not, so a resize never blocks the
// session's request loop. Sizes arrive clamped (see guard); they are clamped
// again here so that no other path can hand the TUI a raw one. A flood of
// resizes costs the TUI one redraw per size it can take: while a size is being
// delivered, newer ones replace each other, and a repeat of the size the TUI
// has is not sent at all.
func forwardWindows(windows <-chan ssh.Window, programs <-chan *tea.Program) {
	var (
		p         *tea.Program
		latest    tea.WindowSizeMsg
		have      bool
		sent      tea.WindowSizeMsg
		delivered chan struct{} // non-nil while a Send is in flight
	)
	for {
		if p != nil && have && delivered == nil && latest != sent {
			sent, delivered = latest, make(chan struct{})
			go func(msg tea.WindowSizeMsg, done chan struct{}) {
				p.Send(msg)
				close(done)
			}(latest, delivered)
		}
		select {
		case w, ok := <-windows:
			if !ok {
				return
			}
			if c, ok := clampWindow(uint32(max(w.Width, 0)), uint32(max(w.Height, 0)), 0, 0); ok {
				latest, have = tea.WindowSizeMsg{Width: c.Width, Height: c.Height}, true
			}
		case np := <-programs:
			p, programs = np, nil
		case <-delivered:
			delivered = nil
		}
	}
}
