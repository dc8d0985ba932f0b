package tui

import (
	"io"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// viewing is a root model that draws a frame after every message, as Bubble Tea
// does.
type viewing struct{ *Model }

func (v viewing) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := v.Model.Update(msg)
	_ = v.Model.View()
	return v, cmd
}

// What one SSH session's start costs the server in the TUI: its own colour
// renderer and styles, the window size, sign-in and the first key list, with a
// frame after every message — the work a burst of sign-ins multiplies.
func BenchmarkSessionStart(b *testing.B) {
	c := fake.Many(b, fake.Owner, 20)
	b.ReportAllocs()
	for b.Loop() {
		r := lipgloss.NewRenderer(io.Discard, termenv.WithProfile(termenv.TrueColor))
		r.SetHasDarkBackground(true)
		m := New(Options{Client: c, Renderer: r, Clock: c.Now}).(*Model)
		v := viewing{m}
		_ = m.View()
		v.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		run(v, m.Init())
	}
}
