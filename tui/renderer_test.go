package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// frames drives the main screens and returns each frame.
func frames(t *testing.T, r *lipgloss.Renderer) []string {
	t.Helper()
	c := fake.Sample(t, fake.Owner)
	m := New(Options{Client: c, Renderer: r, Clock: func() time.Time { return fake.Now }}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(m, m.Init())
	var out []string
	step := func(keys ...tea.KeyMsg) {
		for _, k := range keys {
			_, cmd := m.Update(k)
			run(m, cmd)
		}
		out = append(out, m.View())
	}
	r1 := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	esc := tea.KeyMsg{Type: tea.KeyEsc}
	step()                                                                                  // list
	step(r1("n"), tea.KeyMsg{Type: tea.KeyEnter})                                           // create form with a validation error
	step(esc, r1("j"), r1("j"), r1("e"))                                                    // edit form
	step(esc, r1("d"))                                                                      // delete confirmation
	step(esc, tea.KeyMsg{Type: tea.KeyEnter})                                               // details
	step(esc, r1("/"), r1("b"))                                                             // filter
	step(esc, r1("?"))                                                                      // full help
	step(esc, r1(" "), r1(" "), r1("!"), r1("a"))                                           // expiring soon, marked
	step(r1("!"), r1("r"))                                                                  // rotate form
	step(tea.KeyMsg{Type: tea.KeyEnter}, tea.KeyMsg{Type: tea.KeyEnter})                    // bulk confirmation
	step(r1("y"))                                                                           // bulk secret panel
	step(r1("C"), tea.KeyMsg{Type: tea.KeyEnter})                                           // list after rotation
	step(esc, tea.KeyMsg{Type: tea.KeyTab}, r1("g"))                                        // members
	step(tea.KeyMsg{Type: tea.KeyTab}, r1("n"))                                             // add member
	step(esc, tea.KeyMsg{Type: tea.KeyTab}, r1("j"), tea.KeyMsg{Type: tea.KeyTab}, r1("t")) // audit filter
	return out
}

// Every style comes from the renderer in Options, huh's theme included: with a
// colourless session renderer no frame carries a colour, even when the process's
// default renderer (the server's terminal, over SSH) has full colour and a light
// background.
func TestStylesComeFromTheSessionRenderer(t *testing.T) {
	def := lipgloss.DefaultRenderer()
	prof, dark := def.ColorProfile(), def.HasDarkBackground()
	def.SetColorProfile(termenv.TrueColor)
	def.SetHasDarkBackground(false)
	t.Cleanup(func() { def.SetColorProfile(prof); def.SetHasDarkBackground(dark) })

	for i, f := range frames(t, asciiRenderer()) {
		if strings.Contains(f, "\x1b[") {
			t.Errorf("frame %d has escape sequences under an ASCII session renderer:\n%q", i, f)
		}
	}

	colour := lipgloss.NewRenderer(nil)
	colour.SetColorProfile(termenv.ANSI256)
	colour.SetHasDarkBackground(true)
	for i, f := range frames(t, colour) {
		if !strings.Contains(f, "\x1b[") {
			t.Errorf("frame %d has no colour under a 256-colour session renderer", i)
		}
	}
}
