package tui

import (
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// statuses is what the status line of one run has said, in order, noted by
// the settling wrapper after every message the model took, on the program's
// goroutine. A test asks it, not the screen: a status comes from a command of
// its own, so it can land after the frame a test waited for (a redraw the same
// press caused), and the frame finish returns may not have it yet; and waitFor
// reads what was written since the last wait, so once it has passed a status
// no later wait sees it. What the model said stays here.
type statuses struct {
	said    []string
	waiting []statusWait
}

// statusWait asks the running program to answer once its status line has said
// a message with text in it: at once if it already has.
type statusWait struct {
	text  string
	reply chan<- string
}

// statusDump asks the running program for everything its status line said.
type statusDump struct{ reply chan<- []string }

// note takes the status line's text after a message and answers the waits it
// satisfies.
func (st *statuses) note(m tea.Model) {
	r, ok := m.(interface{ Status() string })
	if !ok {
		return
	}
	text := r.Status()
	if text == "" || len(st.said) > 0 && st.said[len(st.said)-1] == text {
		return
	}
	st.said = append(st.said, text)
	st.waiting = slices.DeleteFunc(st.waiting, func(w statusWait) bool {
		if strings.Contains(text, w.text) {
			w.reply <- text
			return true
		}
		return false
	})
}

// wait answers w now if a message said so far has its text, or once one does.
func (st *statuses) wait(w statusWait) {
	for _, text := range st.said {
		if strings.Contains(text, w.text) {
			w.reply <- text
			return
		}
	}
	st.waiting = append(st.waiting, w)
}

// said waits until the status line has said a message with text in it, at any
// moment of the run so far or from now on, and returns that message. A test
// waits so for an action's word before it checks it, and before a key whose
// own status would take its place.
func (s *user) said(text string) string {
	s.t.Helper()
	reply := make(chan string, 1)
	s.tm.Send(statusWait{text: text, reply: reply})
	select {
	case m := <-reply:
		return m
	case <-time.After(testkit.WaitTimeout):
		all := make(chan []string, 1)
		s.tm.Send(statusDump{reply: all})
		select {
		case got := <-all:
			s.t.Fatalf("the status line never said %q; it said %q", text, got)
		case <-time.After(testkit.WaitTimeout):
			s.t.Fatalf("the status line never said %q, and the program did not answer", text)
		}
		return ""
	}
}
