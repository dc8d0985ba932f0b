package tui

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// asciiRenderer is a renderer with no colour, as under NO_COLOR, so frames are
// plain text; the background is fixed so adaptive colours don't depend on the
// machine running the tests.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// clipboard records what the TUI writes to Options.Output.
type clipboard struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (c *clipboard) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.Write(p)
}

func (c *clipboard) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// session is one TUI run under teatest.
type session struct {
	t    *testing.T
	tm   *teatest.TestModel
	c    *fake.Client
	clip *clipboard
	w, h int
}

func start(t *testing.T, c *fake.Client, w, h int) *session {
	t.Helper()
	clip := &clipboard{}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	return &session{t: t, tm: tm, c: c, clip: clip, w: w, h: h}
}

// waitFor waits until text is written to the screen (after the last wait).
func (s *session) waitFor(text string) {
	s.t.Helper()
	teatest.WaitFor(s.t, s.tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithCheckInterval(2*time.Millisecond), teatest.WithDuration(5*time.Second))
}

func (s *session) typ(text string) { s.tm.Type(text) }

func (s *session) press(keys ...tea.KeyType) {
	for _, k := range keys {
		s.tm.Send(tea.KeyMsg{Type: k})
	}
}

// finish quits and returns the root model's last frame.
func (s *session) finish() (*Model, string) {
	s.t.Helper()
	if err := s.tm.Quit(); err != nil {
		s.t.Fatal(err)
	}
	m := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	view := m.View()
	s.checkFits(view)
	return m, view
}

// golden quits and compares the last frame with testdata/<test>.golden.
func (s *session) golden() *Model {
	s.t.Helper()
	m, view := s.finish()
	teatest.RequireEqualOutput(s.t, []byte(view+"\n"))
	return m
}

// checkFits fails when the frame is not exactly the terminal's size: a line too
// wide would wrap and shift everything below it.
func (s *session) checkFits(view string) {
	s.t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != s.h {
		s.t.Errorf("frame has %d lines, terminal has %d", len(lines), s.h)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > s.w {
			s.t.Errorf("line %d is %d cells wide, terminal has %d: %q", i+1, w, s.w, l)
		}
	}
}

// openMembers goes from the start screen to the Members page, focused on its list.
func (s *session) openMembers() {
	s.waitFor("Billing import")
	s.press(tea.KeyTab)
	s.typ("g")
	s.waitFor("Eve Adams")
	s.press(tea.KeyTab)
}
