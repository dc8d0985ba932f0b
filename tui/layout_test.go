package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// The frame is at most maxWidth × maxHeight cells whatever size the terminal
// claims: the SSH server accepts up to 1000×500, and a frame that size cost
// ~47 ms of CPU, so twenty members resizing at once stalled everyone's frames.
func TestFrameSizeIsBoundedWhateverTheTerminal(t *testing.T) {
	m := New(Options{Client: fake.Sample(t, fake.Owner), Renderer: asciiRenderer(),
		Clock: func() time.Time { return fake.Now }}).(*Model)
	run(m, m.Init())
	for _, size := range [][2]int{{1000, 500}, {321, 121}, {5000, 40}, {100, 3000}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(m.View(), "\n")
		if len(lines) > maxHeight {
			t.Errorf("%dx%d: %d lines, want at most %d", size[0], size[1], len(lines), maxHeight)
		}
		widest := 0
		for _, l := range lines {
			widest = max(widest, ansi.StringWidth(l))
		}
		if widest > maxWidth {
			t.Errorf("%dx%d: a line %d cells wide, want at most %d", size[0], size[1], widest, maxWidth)
		}
		if !strings.Contains(m.View(), "Billing import") {
			t.Errorf("%dx%d: the key list isn't drawn", size[0], size[1])
		}
	}
	// Below the cap the layout fills the terminal, as before.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	if lines := strings.Split(m.View(), "\n"); len(lines) != 50 {
		t.Errorf("200x50: %d lines, want 50", len(lines))
	}
}
