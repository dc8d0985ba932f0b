package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// run feeds cmd's messages back into m until nothing is left, as the program
// would, but on this goroutine: batches and sequences are opened; spinner ticks
// and cursor blinks are dropped, and a command that doesn't answer within a
// moment is a timer and is abandoned — they only repaint.
func run(m tea.Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg, ok := answer(c)
		if !ok {
			continue
		}
		switch msg := msg.(type) {
		case nil, spinner.TickMsg, cursor.BlinkMsg:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		}
		// tea.Sequence's message type is unexported: a slice of commands.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < v.Len(); i++ {
				run(m, v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
}

// answer runs c, giving up on it after a second (backend calls answer sooner,
// even on a busy machine; timers are abandoned).
func answer(c tea.Cmd) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case msg := <-ch:
		return msg, true
	case <-time.After(time.Second):
		return nil, false
	}
}

// started is a root model sized w×h with its first data loaded.
func started(c client.Client, w, h int) *Model {
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: c.Now}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(m, m.Init())
	return m
}

// The frame after a cursor move, 10,000 keys: only the visible rows are formatted.
func BenchmarkViewAfterCursorMove10k(b *testing.B) {
	m := started(fake.Many(fake.Owner, 10_000), 120, 36)
	down := tea.KeyMsg{Type: tea.KeyDown}
	top := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("g")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%5000 == 0 {
			m.Update(top)
		}
		m.Update(down)
		_ = m.View()
	}
}

// Typing one character into the filter over 100,000 keys, frame included.
func BenchmarkFilterKeystroke100k(b *testing.B) {
	m := started(fake.Many(fake.Owner, 100_000), 120, 36)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7")})
		_ = m.View()
		m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	}
}

// From tui.New to the first frame with the list, over the fake client (no I/O).
func BenchmarkFirstFrameFake10k(b *testing.B) {
	c := fake.Many(fake.Owner, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		_ = started(c, 120, 36).View()
	}
}

// From tui.New to the first frame with the list, over the real backend and an
// SQLite store holding 10,000 keys: what `apikeys` does at start, minus the
// terminal.
func BenchmarkFirstFrameSQLite10k(b *testing.B) {
	c := sqliteSession(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		m := started(c, 120, 36)
		if v := m.View(); !containsAny(v, "Service 10000") {
			b.Fatalf("first frame has no keys:\n%s", v)
		}
	}
}

var (
	benchDBOnce sync.Once
	benchDir    string
)

// sqliteSession opens (once per process) an SQLite store with n keys and returns
// the owner's backend session.
func sqliteSession(b *testing.B, n int) client.Client {
	ctx := context.Background()
	benchDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tui-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
	})
	path := filepath.Join(benchDir, fmt.Sprintf("keys-%d.db", n))
	_, statErr := os.Stat(path)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	be := backend.New(backend.Config{Store: s, Policy: model.ExpiryPolicy{Location: time.UTC}})
	owner, _, err := be.Bootstrap(ctx, "Acme Corp", "Ana Lima", "ana@acme.test", nil)
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil { // a new file: fill it
		src := fake.Many(owner.ID, n)
		err = s.Update(ctx, func(tx store.Tx) error {
			for i, k := range src.Keys {
				k.CreatedBy, k.UpdatedBy = owner.ID, owner.ID
				k.ExpiresAt = time.Now().AddDate(0, 0, 1+i%360)
				k.Hash = model.HashSecret(k.ID)
				if err := tx.InsertKey(ctx, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	sess, err := be.SessionFor(ctx, "ana@acme.test", model.SourceTUI)
	if err != nil {
		b.Fatal(err)
	}
	return sess
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
