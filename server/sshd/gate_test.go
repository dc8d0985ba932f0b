package sshd

import (
	"errors"
	"reflect"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// recorder is a TUI that notes what reached it.
type recorder struct {
	inited bool
	got    []string
}

type initDone struct{}

func (r *recorder) Init() tea.Cmd {
	r.inited = true
	return func() tea.Msg { return initDone{} }
}

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		r.got = append(r.got, msg.String())
	case tea.WindowSizeMsg:
		r.got = append(r.got, "size")
	}
	return r, nil
}

func (r *recorder) View() string { return "frame" }

func TestGateHoldsInitAndKeysUntilTheAuditEventIsWritten(t *testing.T) {
	a := &auditWrite{done: make(chan struct{})}
	r := &recorder{}
	var failed error
	g := &gate{inner: r, audit: a, failed: func(err error) { failed = err }}

	initCmd := g.Init()
	g.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	g.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	g.Update(tea.KeyMsg{Type: tea.KeyDown})
	if r.inited || !reflect.DeepEqual(r.got, []string{"size"}) {
		t.Fatalf("before the write: inited %v, got %v; want only the size", r.inited, r.got)
	}
	if g.View() != "frame" {
		t.Errorf("the frame draws meanwhile: got %q", g.View())
	}

	close(a.done) // written
	_, cmd := g.Update(initCmd())
	if !r.inited || !reflect.DeepEqual(r.got, []string{"size", "r", "down"}) {
		t.Fatalf("after the write: inited %v, got %v; want the held keys replayed in order", r.inited, r.got)
	}
	if cmd == nil {
		t.Fatal("the TUI's Init command was dropped")
	}
	g.Update(tea.KeyMsg{Type: tea.KeyUp})
	if r.got[len(r.got)-1] != "up" || failed != nil {
		t.Errorf("once open, keys go straight through: got %v, failed %v", r.got, failed)
	}
}

func TestGateEndsTheSessionWhenTheAuditWriteFails(t *testing.T) {
	a := &auditWrite{done: make(chan struct{}), err: errors.New("disk full")}
	close(a.done)
	r := &recorder{}
	var failed error
	g := &gate{inner: r, audit: a, failed: func(err error) { failed = err }}
	g.Update(tea.KeyMsg{Type: tea.KeyEnter})
	g.Update(g.Init()())
	if failed == nil || r.inited || len(r.got) != 0 {
		t.Errorf("failed %v, inited %v, got %v: want the session ended and the TUI never started", failed, r.inited, r.got)
	}
}
