package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// startMouse is start with the mouse on.
func startMouse(t *testing.T, c *fake.Client, w, h int) *user {
	t.Helper()
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip, Mouse: true})
	return &user{t: t, tm: runSettling(t, m, w, h), c: c, clip: clip, w: w, h: h, model: m}
}

func (s *user) click(x, y int) {
	s.tm.Send(tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	s.tm.Send(tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionRelease})
}

func (s *user) wheel(x, y int, down bool) {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	s.tm.Send(tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress})
}

// Where things are on screen, as a member sees them: the header's 2 lines,
// then the sidebar (its title, a blank line, an entry per page) and the page
// (its title, a line, the table's header, the rows).
const (
	firstEntry = 4 // Members
	firstRow   = 5 // the table's first row
)

// At every size — the sidebar wide at 120 columns, narrowed at 80 and 60 — a
// click on a row selects that row, a click on a sidebar entry opens its page,
// a click back in the page gives it the keyboard, and the wheel scrolls.
func TestMouseSelectsRowsAndPagesAtEverySize(t *testing.T) {
	for _, size := range [][2]int{{120, 36}, {80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			s := startMouse(t, fake.Sample(t, fake.Owner), w, h)
			s.listed()
			pane := 13 + 1 // the narrowed sidebar and the margin
			if w >= 100 {
				pane = 22 + 1
			}
			// The third row of the sample is "Billing import".
			s.click(pane+5, firstRow+2)
			s.waitFor("›  Billing imp")
			// The left-most cell of the row counts too; the margin doesn't.
			s.click(pane-1, firstRow)
			s.click(pane, firstRow+3)
			s.waitFor("›  SIEM audit")
			// The sidebar: Audit log is the second entry.
			s.click(3, firstEntry+1)
			s.waitFor("Audit log (15")
			s.click(pane+20, firstRow+1)
			s.waitFor("› 2026-06-30 14:00")
			if h == 16 { // 9 rows of 15 events: the wheel has room to scroll
				s.wheel(pane+20, firstRow+4, true)
				s.waitFor("› 2026-06-26 10:00")
			}
			m, v := s.finish()
			if m.active != 1 || m.sidebar {
				t.Errorf("after the clicks the Audit log page should have the keyboard: active %d, sidebar %v", m.active, m.sidebar)
			}
			if !strings.Contains(v, "• Audit log") {
				t.Errorf("the sidebar should mark the Audit log:\n%s", v)
			}
		})
	}
}

// A click on the header, the footer or a sidebar line that is no entry does
// nothing, and a question on screen takes no clicks at all.
func TestMouseOutsideTargetsDoesNothing(t *testing.T) {
	s := startMouse(t, fake.Sample(t, fake.Owner), 80, 24)
	s.listed()
	s.click(3, 0)            // the header
	s.click(3, 2)            // the sidebar's title
	s.click(3, firstEntry+5) // below the entries
	s.click(20, 23)          // the help line
	s.click(20, firstRow-1)  // the table's header
	m, v := s.finish()
	if m.active != len(m.pages)-1 || !strings.Contains(v, "›  Partner import") {
		t.Errorf("nothing should have moved:\n%s", v)
	}
}

// Without Options.Mouse the program never asks the terminal for mouse
// reports, so its text selection works as usual.
func TestMouseOffByDefault(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 80, 24)
	s.listed()
	s.finish()
	if cmd := (&Model{}).mouseCmd(); cmd != nil {
		t.Error("a model without Mouse asks for mouse reports")
	}
	on := &Model{mouseOn: true}
	if msg := on.mouseCmd()(); fmt.Sprint(msg) != fmt.Sprint(tea.EnableMouseCellMotion()) {
		t.Errorf("with Mouse the program asks for cell-motion reports, got %T", msg)
	}
}
