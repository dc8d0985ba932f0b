package tui

import (
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// Every frame drawn with the kept header, sidebar and help line is the frame
// drawn from scratch, through the changes each of them follows: size, focus,
// page, sign-in, full help, a form taking the keyboard.
func TestKeptFramePartsFollowEveryChange(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard, termenv.WithProfile(termenv.TrueColor))
	r.SetHasDarkBackground(true)
	c := fake.Sample(t, fake.Owner)
	m := New(Options{Client: c, Renderer: r, Clock: c.Now}).(*Model)
	fresh := func() string {
		m.headerMemo, m.helpMemo = memo{}, memo{}
		m.sidebarMemo.lines = nil
		return m.View()
	}
	check := func(step string) {
		t.Helper()
		kept := m.View()
		if want := fresh(); kept != want {
			t.Fatalf("after %s the kept frame differs from a fresh one:\n%s\n--- want ---\n%s", step, kept, want)
		}
	}
	keyMsg := func(s string) tea.Msg {
		switch s {
		case "tab":
			return tea.KeyMsg{Type: tea.KeyTab}
		case "down":
			return tea.KeyMsg{Type: tea.KeyDown}
		case "esc":
			return tea.KeyMsg{Type: tea.KeyEsc}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	check("the first size")
	run(m, m.Init())
	if !strings.Contains(m.View(), "Primary Owner") {
		t.Fatalf("not signed in:\n%s", m.View())
	}
	check("sign-in")
	for _, step := range []string{"tab", "down", "tab", "?", "?", "tab", "down", "down", "tab", "/", "esc", "n", "esc"} {
		_, cmd := m.Update(keyMsg(step))
		run(m, cmd)
		check("key " + step)
	}
	for _, size := range [][2]int{{70, 20}, {120, 40}, {40, 10}, {100, 30}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		check("a resize")
	}
}

func TestJoinBesideIsJoinHorizontal(t *testing.T) {
	for _, tc := range []struct{ left, right string }{
		{"ab\ncd", "xy\nzw"},
		{"│ é\n│ e", "1\n2"},
		{"\x1b[1mab\x1b[0m\ncd", " x\n y"},
		{"ab\ncd\nef", "x\ny"}, // line counts differ: lipgloss pads
		{"ab\nc", "x\ny"},      // left not uniform
	} {
		left := strings.Split(tc.left, "\n")
		got := joinBeside(left, uniformWidth(left), tc.right)
		if want := lipgloss.JoinHorizontal(lipgloss.Top, tc.left, tc.right); got != want {
			t.Errorf("joinBeside(%q, %q) = %q, want %q", tc.left, tc.right, got, want)
		}
	}
}
