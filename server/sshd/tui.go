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
func (s *Server) runTUI(ls *session, programs chan<- *tea.Program, audit *auditWrite) int {
	r := s.renderer(ls)
	m, err := s.cfg.TUI(ls.ctx, ls, ls.member, r)
	if err != nil {
		ls.log.Warn("ssh tui refused", "err", err)
		fmt.Fprintf(ls.Stderr(), "apikeys: %s\r\n", model.Sanitize(err.Error()))
		return 1
	}
	g := &gate{inner: m, audit: audit, failed: func(err error) {
		ls.log.Error("ssh session ended: can't write the audit event", "err", err)
		ls.end(endAuditFailed, auditMessage)
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
// session's request loop.
func forwardWindows(windows <-chan ssh.Window, programs <-chan *tea.Program) {
	var (
		p    *tea.Program
		last ssh.Window
		have bool
	)
	for {
		select {
		case w, ok := <-windows:
			if !ok {
				return
			}
			last, have = w, true
			if p != nil {
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		case np := <-programs:
			p, programs = np, nil
			if have {
				p.Send(tea.WindowSizeMsg{Width: last.Width, Height: last.Height})
			}
		}
	}
}
