package form

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// huh (v1.0) takes no mouse events, so a click on an option of the focused
// select is worked out from the form as drawn: the focused field's lines
// start with its border ("┃ "), the select's options follow with the
// selector ("› ") before the chosen one and two spaces before the others.
// A click on another option moves the choice there with ↑/↓, as the keyboard
// would, so huh's own rules (scrolling, the summary that follows the choice)
// apply unchanged.

const (
	focusBorder = "┃ "
	selector    = "› "
	unselected  = "  "
)

// click handles a left click at (x, y) of View; it returns what huh asked
// for and whether the click landed on an option.
func (f *Form) click(msg tea.MouseMsg) (tea.Cmd, bool) {
	if msg.Button != tea.MouseButtonLeft || msg.Action != tea.MouseActionPress || f.filtering() {
		return nil, false
	}
	lines := strings.Split(ansi.Strip(f.View()), "\n")
	if msg.Y < 0 || msg.Y >= len(lines) {
		return nil, false
	}
	option := func(i int) (chosen, ok bool) {
		l := lines[i]
		if !strings.HasPrefix(l, focusBorder) {
			return false, false
		}
		rest := strings.TrimPrefix(l, focusBorder)
		switch {
		case strings.HasPrefix(rest, selector):
			return true, true
		case strings.HasPrefix(rest, unselected) && strings.TrimSpace(rest) != "":
			return false, true
		}
		return false, false
	}
	if _, ok := option(msg.Y); !ok {
		return nil, false
	}
	// The chosen option is in the same run of option lines as the click.
	step := 0
	for dir := -1; dir <= 1; dir += 2 {
		for i := msg.Y; i >= 0 && i < len(lines); i += dir {
			chosen, ok := option(i)
			if !ok {
				break
			}
			if chosen {
				step = msg.Y - i
				dir = 2 // found: stop both loops
				break
			}
		}
	}
	k := tea.KeyMsg{Type: tea.KeyDown}
	if step < 0 {
		k, step = tea.KeyMsg{Type: tea.KeyUp}, -step
	}
	var cmds []tea.Cmd
	for range step {
		cmds = append(cmds, f.Update(k))
	}
	return tea.Batch(cmds...), true
}
