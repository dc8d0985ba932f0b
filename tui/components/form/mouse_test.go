package form

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// lineOf is the line of view whose text contains s, or -1.
func lineOf(view, s string) int {
	for i, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

// A click on an option of the focused select chooses it, below or above
// the chosen one; a click elsewhere (the title, another field) changes
// nothing.
func TestClickChoosesAnOption(t *testing.T) {
	// The form's layout at 100×30, as drawn (TestClickLayout checks it).
	const title, importAt, export, modeling, expiration = 6, 8, 9, 10, 12
	_, u := newKeyForm(t, 100, 30)
	u.toKeyType()
	click := func(y int) {
		u.tm.Send(tea.MouseMsg{X: 6, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	}
	click(modeling)
	u.waitFor(`┃ › Modeling metadata`)
	click(title)
	click(expiration) // another field's line: not an option of the focused select
	click(importAt)
	u.waitFor(`┃ › Import`)
	h, view := u.finish()
	if h.v.typ != "import" && !strings.Contains(view, "› Import") {
		t.Errorf("the clicks should end on Import:\n%s", view)
	}
	for name, y := range map[string]int{"┃ Key type": title, "Import": importAt, "Export": export, "Modeling metadata": modeling, "Expiration": expiration} {
		if got := lineOf(view, name); got != y {
			t.Errorf("%q is on line %d of the form, the test clicks line %d:\n%s", name, got, y, view)
		}
	}
}
