package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys"
)

// The API Keys list in each order s and S give, with the position and the
// order in the list's header, at the three sizes the TUI is made for. At
// 60×16 the sorted column may have dropped out; the header line still says
// the order.
var sortSizes = []struct{ w, h int }{{120, 36}, {80, 24}, {60, 16}}

func TestGoldenKeysSorted(t *testing.T) {
	// What each s says, from the start (by created ▼).
	cycle := []string{"Sorted by name ▲.", "Sorted by type ▲.", "Sorted by expiry ▲.", "Sorted by last used ▼.", "Sorted by created ▼."}
	for _, c := range []struct {
		name    string
		s       int  // how many times s
		reverse bool // then S
		shows   string
	}{
		{"name", 1, false, "by name ▲"},
		{"type", 2, false, "by type ▲"},
		{"expiry", 3, false, "by expiry ▲"},
		{"lastused", 4, false, "by last used ▼"},
		{"created", 5, false, "by created ▼"},
		{"name-reversed", 1, true, "by name ▼"},
		{"created-reversed", 0, true, "by created ▲"},
	} {
		for _, sz := range sortSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", c.name, sz.w, sz.h), func(t *testing.T) {
				s := start(t, fake.Sample(t, fake.Owner), sz.w, sz.h)
				s.listed()
				s.typ("j") // the cursor stays on this key across the sort
				// One key at a time: each status line lands before the next
				// key, so the last one is the one on screen.
				for i := range c.s {
					s.typ("s")
					s.said(cycle[i])
				}
				if c.reverse {
					s.typ("S")
					s.said("Sorted " + c.shows + ".")
				}
				s.waitFor(c.shows)
				s.golden()
			})
		}
	}
}

// The expiring-soon view is sorted by urgency: the key whose last valid day
// (or grace) ends first is at the top.
func TestGoldenKeysExpiringByUrgency(t *testing.T) {
	for _, sz := range sortSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			s := start(t, fake.Sample(t, fake.Owner), sz.w, sz.h)
			s.listed()
			s.typ("!")
			s.waitFor("1/2 of 6") // at 60 columns the title line is cut before "by expiry ▲"
			s.golden()
		})
	}
}

// A filtered list says where the cursor is among the rows kept, of all.
func TestGoldenKeysPositionFiltered(t *testing.T) {
	for _, sz := range sortSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			s := start(t, fake.Sample(t, fake.Owner), sz.w, sz.h)
			s.listed()
			s.typ("/import")
			s.press(tea.KeyEnter)
			s.typ("j")
			s.waitFor("2/3 of 6")
			s.golden()
		})
	}
}

// The first part of the list is on screen while the rest loads behind it,
// and the header counts it in.
func TestGoldenKeysLoading(t *testing.T) {
	for _, sz := range sortSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			c := fake.Many(t, fake.Owner, 300)
			release := c.Hold("ListKeys:rest")
			t.Cleanup(release)
			s := start(t, c, sz.w, sz.h)
			s.waitFor("loading 120…")
			s.golden()
		})
	}
}

// Once the rest is there, the count and the order take the whole list; a
// sort asked for while it loaded is applied then.
func TestKeysLoadingThenSorted(t *testing.T) {
	c := fake.Many(t, fake.Owner, 300)
	release := c.Hold("ListKeys:rest")
	t.Cleanup(release)
	s := start(t, c, 120, 36)
	s.waitFor("loading 120…")
	s.typ("S") // oldest first: the oldest key is in the part still held
	s.waitFor("once every key is loaded")
	release()
	// The cursor stays on the key it was on, the newest, now the last.
	s.shows("300/300 · by created ▲")
	s.shows("›  Service 300 ")
}

// A sort of many keys runs off the UI goroutine (here every sort does): the
// status line says it is sorting, then that it sorted, and the list ends as
// the sort on the UI goroutine leaves it.
func TestKeysSortOffTheUIGoroutine(t *testing.T) {
	defer apikeys.SortAsyncOver(0)()
	want, err := os.ReadFile("testdata/TestGoldenKeysSorted/name/120x36.golden")
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, fake.Sample(t, fake.Owner), 120, 36)
	s.listed()
	s.typ("j")
	s.typ("s")
	s.said("Sorted by name ▲.")
	frame := strings.TrimSuffix(string(want), "\n")
	s.settle(frame)
	if _, view := s.finish(); view != frame {
		t.Errorf("sorted off the UI goroutine:\n%s\nwant (as sorted on it):\n%s", view, frame)
	}
}
