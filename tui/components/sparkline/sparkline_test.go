package sparkline

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func days(uses ...int) []Day {
	out := make([]Day, len(uses))
	for i, u := range uses {
		out[i].Uses = u
	}
	return out
}

func TestCells(t *testing.T) {
	for _, tc := range []struct {
		name  string
		days  []Day
		width int
		want  []Day
	}{
		{"none", nil, 30, nil},
		{"no room", days(1, 2), 0, nil},
		{"fits one a day", days(1, 2, 3), 30, days(1, 2, 3)},
		{"exactly", days(1, 2, 3), 3, days(1, 2, 3)},
		{"two a day", days(1, 2, 3, 4), 2, days(3, 7)},
		// 5 days in 2 cells: 3 a cell, the oldest cell short, the newest full.
		{"newest cell full", days(1, 2, 3, 4, 5), 2, days(3, 12)},
		{"thirty in fifteen", days(slices.Repeat([]int{1}, 30)...), 15, days(slices.Repeat([]int{2}, 15)...)},
		{"thirty in twenty", days(slices.Repeat([]int{1}, 30)...), 20, days(slices.Repeat([]int{2}, 15)...)},
		{"refusals add up", []Day{{1, 1}, {0, 2}, {3, 0}, {0, 0}}, 2, []Day{{1, 3}, {3, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Cells(tc.days, tc.width)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Cells(%v, %d) = %v, want %v", tc.days, tc.width, got, tc.want)
			}
			if tc.width > 0 && len(got) > tc.width {
				t.Fatalf("%d cells for width %d", len(got), tc.width)
			}
			if tc.width > 0 && Totals(got) != Totals(tc.days) {
				t.Fatalf("totals changed: %v, want %v", Totals(got), Totals(tc.days))
			}
		})
	}
}

func TestBars(t *testing.T) {
	for _, tc := range []struct {
		name string
		days []Day
		want string
	}{
		{"empty", nil, ""},
		{"no uses", days(0, 0, 0), "···"},
		{"one use is a bar, not nothing", days(0, 1, 0), "·█·"},
		{"scaled to the busiest", days(1, 2, 4, 8), "▁▂▄█"},
		{"smallest still shows", days(1, 1000), "▁█"},
		{"refusals alone are no use", []Day{{0, 5}, {2, 0}}, "·█"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bars(tc.days); got != tc.want {
				t.Fatalf("Bars(%v) = %q, want %q", tc.days, got, tc.want)
			}
		})
	}
}

func TestMarks(t *testing.T) {
	for _, tc := range []struct {
		name string
		days []Day
		want string
	}{
		{"nothing refused", days(1, 2, 3), ""},
		{"under the refused days", []Day{{1, 1}, {2, 0}, {0, 3}, {1, 0}}, "× ×"},
		{"first only", []Day{{0, 1}, {0, 0}}, "×"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Marks(tc.days); got != tc.want {
				t.Fatalf("Marks(%v) = %q, want %q", tc.days, got, tc.want)
			}
		})
	}
}

// Bars and marks line up: one rune per cell each, whatever the counts.
func TestBarsAndMarksLineUp(t *testing.T) {
	ds := make([]Day, 30)
	for i := range ds {
		ds[i] = Day{Uses: i * i % 7, Refusals: i % 4 / 3}
	}
	for _, w := range []int{30, 20, 15, 7, 1} {
		c := Cells(ds, w)
		b, m := Bars(c), Marks(c)
		if utf8.RuneCountInString(b) != len(c) || utf8.RuneCountInString(m) > len(c) {
			t.Fatalf("width %d: %d cells, bars %q, marks %q", w, len(c), b, m)
		}
	}
}
