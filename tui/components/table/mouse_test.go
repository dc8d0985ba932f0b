package table

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func press(b tea.MouseButton, x, y int) tea.MouseMsg {
	return tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress}
}

// A click selects the row drawn where it lands, counted from the header
// line, at any scroll; the header, the space under the last row and a
// release select nothing.
func TestClickSelectsTheRowUnderIt(t *testing.T) {
	m := New(testStyles(), cols)
	m.SetSource(&counting{n: 50})
	m.SetSize(60, 6) // header and 5 rows
	tests := []struct {
		name     string
		setup    func()
		msg      tea.MouseMsg
		ok       bool
		wantCurs int
	}{
		{"first row", func() { m.SetCursor(0) }, press(tea.MouseButtonLeft, 5, 1), true, 0},
		{"third row", func() { m.SetCursor(0) }, press(tea.MouseButtonLeft, 5, 3), true, 2},
		{"header", func() { m.SetCursor(4) }, press(tea.MouseButtonLeft, 5, 0), false, 4},
		{"below the rows", func() { m.SetCursor(4) }, press(tea.MouseButtonLeft, 5, 6), false, 4},
		{"right of the table", func() { m.SetCursor(4) }, press(tea.MouseButtonLeft, 60, 2), false, 4},
		{"scrolled: the row drawn there", func() { m.SetCursor(20) }, press(tea.MouseButtonLeft, 0, 1), true, 16},
		{"release", func() { m.SetCursor(0) }, tea.MouseMsg{X: 5, Y: 3, Button: tea.MouseButtonLeft, Action: tea.MouseActionRelease}, false, 0},
		{"right button", func() { m.SetCursor(0) }, press(tea.MouseButtonRight, 5, 3), false, 0},
	}
	for _, tt := range tests {
		tt.setup()
		if ok := m.Mouse(tt.msg); ok != tt.ok || m.Cursor() != tt.wantCurs {
			t.Errorf("%s: handled %v, cursor %d; want %v, %d", tt.name, ok, m.Cursor(), tt.ok, tt.wantCurs)
		}
	}
	// On a short list a click below the last row selects nothing.
	m.SetSource(&counting{n: 2})
	m.SetCursor(0)
	if m.Mouse(press(tea.MouseButtonLeft, 5, 3)) || m.Cursor() != 0 {
		t.Errorf("a click below the last of 2 rows moved the cursor to %d", m.Cursor())
	}
}

// The wheel scrolls the rows; the cursor stays where it is until it would
// leave the screen, then rides along its edge.
func TestWheelScrolls(t *testing.T) {
	m := New(testStyles(), cols)
	m.SetSource(&counting{n: 20})
	m.SetSize(60, 6) // 5 rows
	m.SetCursor(0)
	m.Mouse(press(tea.MouseButtonWheelDown, 5, 2))
	lines := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(lines[1], "› r3 ") {
		t.Errorf("after one notch down the first row is r3 with the cursor:\n%s", m.View())
	}
	for range 10 {
		m.Mouse(press(tea.MouseButtonWheelDown, 5, 2))
	}
	if lines := strings.Split(m.View(), "\n"); !strings.HasPrefix(lines[1], "› r15 ") || !strings.HasPrefix(lines[5], "  r19 ") {
		t.Errorf("scrolled to the end, rows 15–19 show:\n%s", m.View())
	}
	if m.Mouse(press(tea.MouseButtonWheelDown, 5, 2)) {
		t.Error("at the end the wheel has nothing to scroll, and says so")
	}
	m.SetCursor(19)
	m.Mouse(press(tea.MouseButtonWheelUp, 5, 2))
	if m.Cursor() != 16 {
		t.Errorf("a notch up from the last row leaves the cursor on the bottom line (16), got %d", m.Cursor())
	}
}

// A Squeeze column shows while everything fits at its narrowest, before
// less important columns and at the cost of wider names; the first column
// that doesn't fit stops the choice; an abbreviated column abbreviates
// every cell.
func TestSqueezeAbbrevAndDropOrder(t *testing.T) {
	cs := []Column{
		{Title: "Name", Width: 22, Min: 12, Priority: 0, Flex: true},
		{Title: "Type", Width: 17, Min: 8, Priority: 1, Squeeze: true, Abbrev: func(s string) string { return "short" }},
		{Title: "Expires", Width: 25, Min: 19, Priority: 0},
		{Title: "Wide", Width: 20, Priority: 2},
		{Title: "Narrow", Width: 3, Priority: 3},
	}
	tests := []struct {
		width  int
		want   []string
		abbrev bool
	}{
		{40, []string{"Name", "Expires"}, false},
		{45, []string{"Name", "Type", "Expires"}, true},
		{90, []string{"Name", "Type", "Expires"}, false},         // Wide doesn't fit: Narrow doesn't take its place
		{94, []string{"Name", "Type", "Expires", "Wide"}, false}, // 22+17+25+20, 3 gaps and the prefix: no room for Narrow
	}
	for _, tt := range tests {
		m := New(testStyles(), cs)
		m.SetSource(&counting{n: 2})
		m.SetSize(tt.width, 4)
		if got := m.Shown(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("width %d: shown %v, want %v", tt.width, got, tt.want)
		}
		v := m.View()
		if got := strings.Count(v, "short"); tt.abbrev && got != 2 || !tt.abbrev && got != 0 {
			t.Errorf("width %d: %d abbreviated cells, want them all or none (abbreviated: %v):\n%s", tt.width, got, tt.abbrev, v)
		}
	}
}
