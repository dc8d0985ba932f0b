package tui

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// run feeds cmd's messages back into m until nothing is left, as the program
// would, but on this goroutine: batches and sequences are opened; spinner ticks
// and cursor blinks are dropped, and a timer command (answer) is abandoned —
// they only repaint.
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

// answer runs c and gives its message; false when c is a timer (a spinner
// tick, a status fade, a cursor blink: they only repaint) or waits for the
// change feed, seen by where its
// goroutine waits, so a backend call slowed down by a loaded machine is still
// waited for (up to testkit.WaitTimeout), not taken for a timer.
func answer(c tea.Cmd) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	id := make(chan string, 1)
	go func() {
		id <- goroutineID()
		ch <- c()
	}()
	g := <-id
	deadline := time.After(testkit.WaitTimeout)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case msg := <-ch:
			return msg, true
		case <-deadline:
			return nil, false
		case <-poll.C:
			if waitsOnATimer(g) {
				return nil, false
			}
			if stillAnswering != nil {
				stillAnswering()
			}
		}
	}
}

// stillAnswering, when set, is called each time answer looks at a command that
// is still running and is not a timer (TestRunWaitsForASlowBackendCall
// releases its held call then).
var stillAnswering func()

// timerFrames name the functions a command waits in that answers only when
// time passes or something changes elsewhere: the timers, and the change feed's
// wait for a notice. Names only, no package: a closure inlined into its caller
// is named after both ("tui.(*Model).Init.(*Model).listen.func2").
var timerFrames = []string{
	".listen.func",   // the root's wait on the change feed
	".Tick.func",     // tea.Tick: spinner ticks, status fades
	".Every.func",    // tea.Every
	".BlinkCmd.func", // a text field's cursor blink
}

// goroutineID is the calling goroutine's number, as stack traces show it.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf)) // "goroutine 42 [running]: …"
	return f[1]
}

// waitsOnATimer reports whether goroutine g is waiting in a timer command.
func waitsOnATimer(g string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, st := range strings.Split(string(buf), "\n\n") {
		if !strings.HasPrefix(st, "goroutine "+g+" [") {
			continue
		}
		for _, f := range timerFrames {
			if strings.Contains(st, f) {
				return true
			}
		}
		return false
	}
	return false
}

// still is the double without its change feed: run waits on every command,
// and the feed's waits for the next change.
type still struct{ *fake.Client }

// Subscribe hides the double's: still is no client.Changes.
func (still) Subscribe() {}

// started is a root model sized w×h with its first data loaded.
func started(c client.Client, w, h int) *Model {
	if f, ok := c.(*fake.Client); ok {
		c = still{f}
	}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: c.Now}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(m, m.Init())
	return m
}

// loaded is a root model started on a workspace of n keys, and fails unless they
// are listed: over the real store the first read of 100,000 keys can take longer
// than run waits for a command (the list would stay empty and the benchmark
// would measure nothing), so the store's key cache is filled first.
func loaded(b *testing.B, n int) *Model {
	b.Helper()
	c := fake.Many(b, fake.Owner, n)
	if keys, err := c.ListKeys(context.Background(), client.KeyFilter{}); err != nil || len(keys) != n {
		b.Fatalf("listed %d keys (%v), want %d", len(keys), err, n)
	}
	m := started(c, 120, 36)
	if v := m.View(); !strings.Contains(v, fmt.Sprintf("Service %d ", n)) {
		b.Fatalf("first frame has no keys:\n%s", v)
	}
	return m
}

// The frame after a cursor move, 10,000 keys: only the visible rows are formatted.
func BenchmarkViewAfterCursorMove10k(b *testing.B) {
	m := loaded(b, 10_000)
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
	m := loaded(b, 100_000)
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	b.ReportAllocs()
	for b.Loop() {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7")})
		_ = m.View()
		m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	}
}

// From tui.New to the first frame with the list, over the real backend and an
// SQLite store holding 10,000 keys: what `apikeys` does at start, minus the
// terminal.
func BenchmarkFirstFrameSQLite10k(b *testing.B) {
	c := fake.Many(b, fake.Owner, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		m := started(c, 120, 36)
		if v := m.View(); !strings.Contains(v, "Service 10000") {
			b.Fatalf("first frame has no keys:\n%s", v)
		}
	}
}
