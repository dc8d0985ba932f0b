package listing

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/keymap"
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
