package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/app"
)

// Each page has a stack of flows above it (app.Flow): the top one, when there
// is one, has the keyboard, the pane, the help line and the width. A stack
// belongs to its page, so tab to the sidebar and back finds the details where
// they were.

// entry is a flow on a stack and whoever pushed it: the page (nil) or the
// flow under it.
type entry struct {
	flow app.Flow
	from app.Flow
	size [2]int // what SetSize last gave it
}

// top is the flow on top of page i's stack, or nil.
func (m *Model) top(i int) app.Flow {
	if s := m.stacks[i]; len(s) > 0 {
		return s[len(s)-1].flow
	}
	return nil
}

// find is where f is: its page and its place on that page's stack.
func (m *Model) find(f app.Flow) (page, at int, ok bool) {
	for i, s := range m.stacks {
		for j := range s {
			if s[j].flow == f {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// push puts p.Flow on the stack of whoever pushed it.
func (m *Model) push(p app.Pushed) tea.Cmd {
	var page int
	var from app.Flow
	switch by := p.From.(type) {
	case app.Flow:
		i, _, ok := m.find(by)
		if !ok {
			return nil // it ended meanwhile; so does what it wanted to start
		}
		page, from = i, by
	case app.Page:
		page = -1
		for i := range m.pages {
			if m.pages[i] == by {
				page = i
			}
		}
		if page < 0 {
			return nil
		}
	default:
		return nil
	}
	m.stacks[page] = append(m.stacks[page], entry{flow: p.Flow, from: from})
	m.topChanged(page)
	m.layout()
	return p.Flow.Init()
}

// pop ends p.Flow (and anything above it), then hands p to whoever pushed it.
// A flow still Precious is not popped without the member's yes: the root asks,
// whatever made it end, so no flow can lose a secret by a path its author forgot.
func (m *Model) pop(p app.Pop, confirmed bool) tea.Cmd {
	page, at, ok := m.find(p.Flow)
	if !ok {
		return nil
	}
	// A flow handing what it holds to the next one (app.Hand) loses nothing.
	handed := p.Then != nil && p.Then.Precious() != ""
	if q := p.Flow.Precious(); q != "" && !confirmed && !handed {
		m.asking, m.askPop = q, &p
		return nil
	}
	from := m.stacks[page][at].from
	m.stacks[page] = m.stacks[page][:at]
	m.topChanged(page)
	var then tea.Cmd
	if p.Then != nil {
		m.stacks[page] = append(m.stacks[page], entry{flow: p.Then, from: from})
		m.layout()
		then = p.Then.Init()
	}
	if from != nil {
		return tea.Batch(then, from.Update(p))
	}
	return tea.Batch(then, m.send(page, p))
}

// topChanged is called when the top of page's stack changed: a message about
// what was on screen would read as news about what is now.
func (m *Model) topChanged(page int) {
	if page == m.active {
		m.status.Update(app.Status{})
	}
}

// flows calls fn for every flow on every stack, bottom first.
func (m *Model) flows(fn func(app.Flow) tea.Cmd) tea.Cmd {
	var cmds []tea.Cmd
	for _, s := range m.stacks {
		for _, e := range append([]entry(nil), s...) {
			cmds = append(cmds, fn(e.flow))
		}
	}
	return tea.Batch(cmds...)
}

// precious is what ending the program now would lose, from whichever flow
// holds it; "" when nothing would be.
func (m *Model) precious() string {
	for _, s := range m.stacks {
		for _, e := range s {
			if q := e.flow.Precious(); q != "" {
				return q
			}
		}
	}
	return ""
}

// unwind takes the flows off page's stack that are only being looked at
// (details): never one that takes the keyboard or holds something precious.
func (m *Model) unwind(page int) {
	s := m.stacks[page]
	for len(s) > 0 && !s[len(s)-1].flow.Capturing() && s[len(s)-1].flow.Precious() == "" {
		s = s[:len(s)-1]
	}
	m.stacks[page] = s
}
