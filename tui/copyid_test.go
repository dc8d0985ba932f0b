package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys"
)

// y copies the selected key's id as c copies a secret: OSC 52, and a status
// line that says only what was sent; from the list and from the details.
func TestYCopiesTheKeysID(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 100, 26)
	s.listed()
	s.typ("y")
	said := s.said("Sent the id of “Partner import” (")
	m, _ := s.finish()
	k, _ := m.pages[m.keysPage()].(*apikeys.Page).Selected()
	id := k.ID
	if got := s.clip.String(); got != osc52(id) {
		t.Errorf("clipboard output = %q, want the OSC 52 sequence for %s", got, id)
	}
	want := "Sent the id of “Partner import” (" + k.Hint + ") to your terminal's clipboard with OSC 52 — if your terminal doesn't support it, nothing was copied."
	if said != want {
		t.Errorf("status = %q\nwant %q", said, want)
	}
}

// Inside tmux the id goes through tmux as the secret does, and the status
// line says so.
func TestYCopiesThroughTmux(t *testing.T) {
	clip := &testkit.SyncBuffer{}
	c := fake.Sample(t, fake.Owner)
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip,
		Environ: []string{"TERM=tmux-256color", "TMUX=/tmp/tmux-0/default,1,0"}})
	s := &user{t: t, tm: runSettling(t, m, 100, 26), c: c, clip: clip, w: 100, h: 26, model: m}
	s.listed()
	s.press(tea.KeyEnter)
	s.waitFor("State")
	s.typ("y")
	s.waitFor("with OSC 52 (also")
	s.finish()
	if got := clip.String(); !strings.Contains(got, "\x1bPtmux;") {
		t.Errorf("inside tmux the id is also wrapped for tmux: %q", got)
	}
}
