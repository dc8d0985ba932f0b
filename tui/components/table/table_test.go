package table

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

func testStyles() *styles.Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return styles.New(r)
}

var cols = []Column{
	{Title: "Name", Width: 24, Min: 12, Priority: 0, Flex: true},
	{Title: "Type", Width: 17, Min: 10, Priority: 1},
	{Title: "Key", Width: 17, Priority: 4},
	{Title: "Expires", Width: 25, Priority: 0},
	{Title: "Last used", Width: 9, Priority: 2},
	{Title: "Created by", Width: 14, Min: 10, Priority: 3},
}

// counting is a source of n rows that counts the cells asked for.
type counting struct {
	n     int
	cells int
}

func (c *counting) Len() int { return c.n }
func (c *counting) Cell(row, col int) (string, Tone) {
	c.cells++
	return fmt.Sprintf("r%d c%d", row, col), Normal
}

func TestColumnsDropByPriority(t *testing.T) {
	tests := []struct {
		width int
		want  []string
	}{
		{45, []string{"Name", "Expires"}},
		{57, []string{"Name", "Expires"}},
		{80, []string{"Name", "Type", "Expires"}},
		{85, []string{"Name", "Type", "Expires", "Last used"}},
		{97, []string{"Name", "Type", "Expires", "Last used", "Created by"}},
		{140, []string{"Name", "Type", "Key", "Expires", "Last used", "Created by"}},
	}
	for _, tt := range tests {
		m := New(testStyles(), cols)
		m.SetSource(&counting{n: 3})
		m.SetSize(tt.width, 10)
		if got := m.Shown(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("width %d: shown %v, want %v", tt.width, got, tt.want)
		}
		for i, l := range strings.Split(m.View(), "\n") {
			if w := ansi.StringWidth(l); w > tt.width {
				t.Errorf("width %d: line %d is %d wide", tt.width, i, w)
			}
		}
	}
}

func TestViewFormatsOnlyVisibleRows(t *testing.T) {
	src := &counting{n: 100_000}
	m := New(testStyles(), cols)
	m.SetSource(src)
	m.SetSize(140, 11) // header and 10 rows
	km := keymap.Default()
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")}, km)
	v := m.View()
	if src.cells != 10*6 {
		t.Errorf("formatted %d cells for 10 visible rows of 6 columns", src.cells)
	}
	if !strings.Contains(v, "› r99999 c0") || strings.Contains(v, "r99989 ") {
		t.Errorf("after G the last 10 rows should show, cursor on the last:\n%s", v)
	}
}

func TestCursorScrollsIntoView(t *testing.T) {
	m := New(testStyles(), cols)
	m.SetSource(&counting{n: 50})
	m.SetSize(60, 6) // 5 rows
	km := keymap.Default()
	for range 7 {
		m.Update(tea.KeyMsg{Type: tea.KeyDown}, km)
	}
	lines := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "› r7 ") {
		t.Errorf("cursor row should be the last visible one:\n%s", strings.Join(lines, "\n"))
	}
	m.Blurred = true
	if v := m.View(); strings.Contains(v, "›") || !strings.Contains(v, "· r7 ") {
		t.Errorf("a blurred table marks its cursor with ·:\n%s", v)
	}
}

// A Marker takes a column of its own after the cursor: marked rows read "✓"
// with or without the cursor, cells stay aligned with the header, and no line
// is wider than the table.
func TestMarkerColumn(t *testing.T) {
	m := New(testStyles(), cols)
	m.Marker = func(row int) string {
		if row%2 == 1 {
			return "✓"
		}
		return " "
	}
	m.SetSource(&counting{n: 4})
	m.SetSize(80, 5)
	km := keymap.Default()
	m.Update(tea.KeyMsg{Type: tea.KeyDown}, km)
	lines := strings.Split(m.View(), "\n")
	want := []string{"   Name", "   r0 c0", "›✓ r1 c0", "   r2 c0", " ✓ r3 c0"}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start %q", i, lines[i], w)
		}
		if lw := ansi.StringWidth(lines[i]); lw > 80 {
			t.Errorf("line %d is %d wide", i, lw)
		}
	}
	if h, r := strings.Index(lines[0], "Expires"), strings.Index(lines[1], "r0 c3"); h != r {
		t.Errorf("Expires header at %d, its cell at %d:\n%s", h, r, strings.Join(lines, "\n"))
	}
}
