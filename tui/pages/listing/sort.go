package listing

import (
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/components/table"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// SortBy is one order a list can be shown in.
type SortBy[T any] struct {
	Name string // for the status line: "name", "last used"
	Col  int    // the table column whose header carries the mark; -1 none
	// Cmp orders two rows ascending (a before b: negative). Ties fall back to
	// the list's own tie-break (Sort.Tie), so the order is total and a
	// re-sort never shuffles equal rows.
	Cmp func(a, b T) int
	// Desc: the first choice of this column shows it descending (dates:
	// newest first).
	Desc bool
}

// Sort is a list's order: `s` cycles the column, `S` reverses it. The
// header of the column sorted by carries ▲ (ascending) or ▼ (descending), so
// the order is never told by colour alone. A page keeps one Sort beside its
// rows and calls Apply when the rows or the order change.
type Sort[T any] struct {
	By  []SortBy[T]
	Tie func(a, b T) int // last tie-break, ascending; nil none

	i    int
	desc bool
}

// NewSort makes a sort over by, starting at by[first] in its own direction.
func NewSort[T any](by []SortBy[T], first int, tie func(a, b T) int) *Sort[T] {
	s := &Sort[T]{By: by, Tie: tie}
	s.Set(first)
	return s
}

// Set sorts by by[i] in its first direction.
func (s *Sort[T]) Set(i int) {
	s.i = i
	s.desc = s.By[i].Desc
}

// Index is the column sorted by, and Desc whether it is descending.
func (s *Sort[T]) Index() int   { return s.i }
func (s *Sort[T]) Desc() bool   { return s.desc }
func (s *Sort[T]) Name() string { return s.By[s.i].Name }

// Key takes `s` (next column) and `S` (reverse); it reports whether the
// order changed, and then the page applies it.
func (s *Sort[T]) Key(msg tea.KeyMsg, km *keymap.KeyMap) bool {
	switch {
	case key.Matches(msg, km.Sort):
		s.Set((s.i + 1) % len(s.By))
	case key.Matches(msg, km.Reverse):
		s.desc = !s.desc
	default:
		return false
	}
	return true
}

// Cmp is the order as a comparison: the column, its direction, then the tie
// break (also reversed, so S turns the whole list over).
func (s *Sort[T]) Cmp() func(a, b T) int {
	by, tie, desc := s.By[s.i].Cmp, s.Tie, s.desc
	return func(a, b T) int {
		c := by(a, b)
		if c == 0 && tie != nil {
			c = tie(a, b)
		}
		if desc {
			return -c
		}
		return c
	}
}

// Apply sorts rows in place in the current order.
func (s *Sort[T]) Apply(rows []T) {
	cmp := s.Cmp()
	if !slices.IsSortedFunc(rows, cmp) {
		slices.SortFunc(rows, cmp)
	}
}

// Arrow is the mark of the current direction.
func (s *Sort[T]) Arrow() string {
	if s.desc {
		return "▼"
	}
	return "▲"
}

// Mark puts the arrow on the sorted column's header and takes it off the
// others.
func (s *Sort[T]) Mark(t *table.Model) {
	col := s.By[s.i].Col
	t.SetHeaderMark(col, s.Arrow())
}

// Said is the status line after a change: "Sorted by name ▲.".
func (s *Sort[T]) Said() string {
	return fmt.Sprintf("Sorted by %s %s.", s.Name(), s.Arrow())
}

// Position is where the cursor is: "12/10000", or with a filter
// "3/120 of 10000" (shown rows of total). Nothing when the list is empty.
func Position(cursor, shown, total int) string {
	switch {
	case shown == 0:
		return ""
	case shown == total:
		return fmt.Sprintf("%d/%d", cursor+1, total)
	}
	return fmt.Sprintf("%d/%d of %d", cursor+1, shown, total)
}
