package tui

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys"
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

// keysAt is a root model with n keys, every one loaded: 10,000 and 100,000
// from the test double; 1,000,000 from a store made by cmd/seed, named by
// APIKEYS_BENCH_DB (filling one here would take many minutes):
//
//	go run ./cmd/seed -n 1000000 /tmp/apikeys-1m
//	APIKEYS_BENCH_DB=/tmp/apikeys-1m/apikeys.db go test -run X -bench 'Keys(CursorMove|FilterKeystroke)' ./tui/
func keysAt(b testing.TB, n int) *Model {
	b.Helper()
	if n < 1_000_000 {
		return loaded(b.(*testing.B), n)
	}
	path := os.Getenv("APIKEYS_BENCH_DB")
	if path == "" {
		b.Skip("set APIKEYS_BENCH_DB to a store of 1,000,000 keys made by cmd/seed")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	be := backend.New(backend.Config{Store: st})
	members, err := st.Members(ctx)
	if err != nil || len(members) == 0 {
		b.Fatalf("members: %v", err)
	}
	c, err := be.SessionFor(ctx, members[0].ID, model.SourceCLI)
	if err != nil {
		b.Fatal(err)
	}
	m := started(c, 120, 36)
	if got, total, loading := m.pages[m.keysPage()].(*apikeys.Page).Progress(); loading || got != total || got < n {
		b.Fatalf("loaded %d of %d keys (still loading: %v), want %d", got, total, loading, n)
	}
	return m
}

var keySizes = []struct {
	name string
	n    int
}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}}

// The frame after a cursor move at each size: only the visible rows are
// formatted, whatever the size. Reported as CPU time per frame too.
func BenchmarkKeysCursorMove(b *testing.B) {
	for _, sz := range keySizes {
		b.Run(sz.name, func(b *testing.B) {
			m := keysAt(b, sz.n)
			down := tea.KeyMsg{Type: tea.KeyDown}
			top := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("g")}
			b.ReportAllocs()
			i := 0
			c0 := processCPU()
			for b.Loop() {
				if i++; i%5000 == 0 {
					m.Update(top)
				}
				m.Update(down)
				_ = m.View()
			}
			b.ReportMetric(float64(processCPU()-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// One character typed into the filter at each size, the frame included: a
// new query over every key (the worst case), then backspace.
func BenchmarkKeysFilterKeystroke(b *testing.B) {
	for _, sz := range keySizes {
		b.Run(sz.name, func(b *testing.B) {
			m := keysAt(b, sz.n)
			m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
			b.ReportAllocs()
			c0 := processCPU()
			for b.Loop() {
				m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("7")})
				_ = m.View()
				m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
			}
			// CPU time per keystroke, the collector's included: on a shared
			// machine steadier than the wall time above.
			b.ReportMetric(float64(processCPU()-c0)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// The memory the API Keys page holds for a store of 1,000,000 keys (made by
// cmd/seed, named by APIKEYS_BENCH_DB), after a collection: live heap, and
// per key. APIKEYS_HEAP_PROFILE=FILE writes the heap profile too.
func TestMeasureKeysMemory(t *testing.T) {
	if os.Getenv("APIKEYS_BENCH_DB") == "" {
		t.Skip("set APIKEYS_BENCH_DB to a store of 1,000,000 keys made by cmd/seed")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := keysAt(t, 1_000_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	got, _, _ := m.pages[m.keysPage()].(*apikeys.Page).Progress()
	live := after.HeapAlloc - before.HeapAlloc
	t.Logf("%d keys: live heap %.0f MiB, %.0f B/key; heap in use %.0f MiB, from the OS %.0f MiB",
		got, float64(live)/(1<<20), float64(live)/float64(got), float64(after.HeapInuse)/(1<<20), float64(after.Sys)/(1<<20))
	// What the OS counts (Linux): the process's resident memory now and at
	// its peak, the Go runtime's share of it and the rest (the SQLite
	// driver's own allocations, among others).
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		metrics.Read(s)
		goRSS := s[0].Value.Uint64() - s[1].Value.Uint64()
		var rss, hwm string
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				rss = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				hwm = strings.TrimSpace(v)
			}
		}
		t.Logf("RSS %s, peak %s; the Go runtime holds %.0f MiB of it", rss, hwm, float64(goRSS)/(1<<20))
	}
	if f := os.Getenv("APIKEYS_HEAP_PROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := pprof.WriteHeapProfile(out); err != nil {
			t.Fatal(err)
		}
	}
	runtime.KeepAlive(m)
}

// Each key the list answers at 1,000,000 keys, timed once (APIKEYS_BENCH_DB).
func TestMeasureKeysKeystrokes(t *testing.T) {
	if os.Getenv("APIKEYS_BENCH_DB") == "" {
		t.Skip("set APIKEYS_BENCH_DB to a store of 1,000,000 keys made by cmd/seed")
	}
	m := keysAt(t, 1_000_000)
	for _, k := range []string{"j", "s", "j", "S", "s", "s", "s", "s", "!", "!", "/", "7", "j"} {
		t0 := time.Now()
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		_, cmd := m.Update(msg)
		t1 := time.Now()
		_ = m.View()
		t.Logf("%q: update %v, frame %v, cmd %v", k, t1.Sub(t0), time.Since(t1), cmd != nil)
	}
}
