// Package sparkline draws a key's daily uses as one line of block characters,
// with the days that saw refusals marked on a line of their own: a mark, not a
// colour, so it reads the same under NO_COLOR and on a monochrome terminal.
package sparkline

import "strings"

// Day is one day's count: successful uses and refused attempts.
type Day struct {
	Uses, Refusals int
}

// levels are the bars from lowest to highest; a day with no use is Empty, so
// "a few" and "none" never look alike.
var levels = []rune("▁▂▃▄▅▆▇█")

const (
	// Empty is the cell of a day (or days) without a single use.
	Empty = '·'
	// Refused marks, under the bars, a cell whose days saw refusals.
	Refused = '×'
)

// Cells folds days (oldest first) into at most width cells: one day a cell
// when they fit, else as few days a cell as make them fit, the newest cell
// ending on the newest day. Counts in a cell add up.
func Cells(days []Day, width int) []Day {
	if width <= 0 || len(days) == 0 {
		return nil
	}
	per := (len(days) + width - 1) / width
	n := (len(days) + per - 1) / per
	out := make([]Day, n)
	// Align on the newest day: the oldest cell is the one that may be short.
	off := n*per - len(days)
	for i, d := range days {
		c := &out[(i+off)/per]
		c.Uses += d.Uses
		c.Refusals += d.Refusals
	}
	return out
}

// Bars is one rune per cell: Empty for none, else a bar scaled to the busiest
// cell (the smallest use still shows the lowest bar).
func Bars(cells []Day) string {
	top := 0
	for _, c := range cells {
		top = max(top, c.Uses)
	}
	var b strings.Builder
	for _, c := range cells {
		if c.Uses <= 0 {
			b.WriteRune(Empty)
			continue
		}
		// 1..len(levels), rounding up so that one use is never a zero bar.
		l := (c.Uses*len(levels) + top - 1) / top
		b.WriteRune(levels[min(l, len(levels))-1])
	}
	return b.String()
}

// Marks is one rune per cell: Refused under a cell with refusals, a space
// elsewhere; "" when no cell has any.
func Marks(cells []Day) string {
	some := false
	var b strings.Builder
	for _, c := range cells {
		if c.Refusals > 0 {
			some = true
			b.WriteRune(Refused)
			continue
		}
		b.WriteRune(' ')
	}
	if !some {
		return ""
	}
	return strings.TrimRight(b.String(), " ")
}

// Totals adds up days.
func Totals(days []Day) Day {
	var t Day
	for _, d := range days {
		t.Uses += d.Uses
		t.Refusals += d.Refusals
	}
	return t
}
