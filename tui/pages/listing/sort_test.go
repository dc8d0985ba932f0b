package listing

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

type item struct {
	id, name string
	age      int
}

func press(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestSortCyclesAndReverses(t *testing.T) {
	items := []item{{"a", "beta", 3}, {"b", "alpha", 1}, {"c", "alpha", 2}, {"d", "gamma", 2}}
	s := NewSort([]SortBy[item]{
		{Name: "age", Col: 1, Cmp: func(a, b item) int { return cmp.Compare(a.age, b.age) }, Desc: true},
		{Name: "name", Col: 0, Cmp: func(a, b item) int { return strings.Compare(a.name, b.name) }},
	}, 0, func(a, b item) int { return strings.Compare(a.id, b.id) })
	km := keymap.Default()
	ids := func() string {
		var out []string
		for _, it := range items {
			out = append(out, it.id)
		}
		return strings.Join(out, "")
	}
	for _, step := range []struct {
		key, want, arrow, said string
	}{
		{"", "adcb", "▼", "Sorted by age ▼."},   // first direction of age: descending, ties by id reversed
		{"S", "bcda", "▲", "Sorted by age ▲."},  // reversed: the tie-break turns over too
		{"s", "bcad", "▲", "Sorted by name ▲."}, // next column, in its own first direction
		{"S", "dacb", "▼", "Sorted by name ▼."}, // reversed
		{"s", "adcb", "▼", "Sorted by age ▼."},  // round again
		{"x", "adcb", "▼", "Sorted by age ▼."},  // not a sort key
	} {
		if step.key != "" {
			changed := s.Key(press(step.key), km)
			if changed != (step.key != "x") {
				t.Fatalf("%q: changed = %v", step.key, changed)
			}
		}
		s.Apply(items)
		if got := ids(); got != step.want || s.Arrow() != step.arrow || s.Said() != step.said {
			t.Errorf("after %q: %s %s %q, want %s %s %q", step.key, got, s.Arrow(), s.Said(), step.want, step.arrow, step.said)
		}
	}
	if !slices.IsSortedFunc(items, s.Cmp()) {
		t.Error("Apply left the items out of order")
	}
}

func TestPosition(t *testing.T) {
	for _, c := range []struct {
		cursor, shown, total int
		want                 string
	}{
		{0, 0, 0, ""},
		{0, 0, 10, ""},
		{11, 10000, 10000, "12/10000"},
		{2, 120, 10000, "3/120 of 10000"},
	} {
		if got := Position(c.cursor, c.shown, c.total); got != c.want {
			t.Errorf("Position(%d, %d, %d) = %q, want %q", c.cursor, c.shown, c.total, got, c.want)
		}
	}
}

// A List with sort columns sorts what it holds on s and S, keeps the cursor
// on the same item, marks the header and says its position.
func TestListSortKeyKeepsTheCursor(t *testing.T) {
	ctx := &app.Context{Styles: styles.New(lipgloss.NewRenderer(io.Discard)), Keys: keymap.Default()}
	l := New(ctx, []table.Column{{Title: "Name", Width: 10}, {Title: "Age", Width: 5}}, Config[item]{
		ID: func(it item) string { return it.id },
		Sort: []SortBy[item]{
			{Name: "name", Col: 0, Cmp: func(a, b item) int { return strings.Compare(a.name, b.name) }},
			{Name: "age", Col: 1, Cmp: func(a, b item) int { return cmp.Compare(a.age, b.age) }},
		},
		SortTie: func(a, b item) int { return strings.Compare(a.id, b.id) },
	})
	l.Items = []item{{"a", "beta", 3}, {"b", "alpha", 1}, {"c", "gamma", 2}}
	l.Table.SetSource(itemRows{l})
	l.SetSize(40, 10)
	l.Table.SetCursor(2) // gamma
	if _, ok := l.SortKey(press("S")); !ok {
		t.Fatal("S not taken")
	}
	if sel, _ := l.Selected(); sel.id != "c" || l.Position() != "1/3" {
		t.Errorf("after S: cursor on %q at %s, want c at 1/3", sel.id, l.Position())
	}
	if v := l.Table.View(); !strings.Contains(v, "▼ Name") {
		t.Errorf("header has no ▼ on Name:\n%s", v)
	}
	if _, ok := l.SortKey(press("x")); ok {
		t.Error("x taken for a sort")
	}
}

type itemRows struct{ l *List[item] }

func (r itemRows) Len() int { return len(r.l.Items) }
func (r itemRows) Cell(row, col int) (string, table.Tone) {
	if col == 0 {
		return r.l.Items[row].name, table.Normal
	}
	return fmt.Sprint(r.l.Items[row].age), table.Normal
}
