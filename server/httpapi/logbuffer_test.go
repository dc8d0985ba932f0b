package httpapi_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// writes records every Write it gets, separately.
type writes struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return 0, w.fail
	}
	w.got = append(w.got, string(p))
	return len(p), nil
}

func (w *writes) snapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

func TestLogBufferWritesLinesTogetherInOrder(t *testing.T) {
	var w writes
	b := httpapi.NewLogBuffer(&w)
	var want strings.Builder
	for i := range 2000 {
		line := fmt.Sprintf(`{"msg":"http request","n":%d}`+"\n", i)
		want.WriteString(line)
		if n, err := b.Write([]byte(line)); err != nil || n != len(line) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	got := w.snapshot()
	if strings.Join(got, "") != want.String() {
		t.Fatal("the lines written are not the lines logged, in order")
	}
	if len(got) > 10 {
		t.Errorf("%d writes for 2000 lines of 36 bytes: not buffered", len(got))
	}
	for _, g := range got {
		if !strings.HasSuffix(g, "\n") {
			t.Fatalf("a write ends inside a line: %q", g[max(0, len(g)-40):])
		}
	}
}

// A line reaches the log without Close, soon (FlushAfter), with nothing more
// logged after it: a quiet server's last request is not held back.
func TestLogBufferFlushesOnItsOwn(t *testing.T) {
	var w writes
	b := httpapi.NewLogBuffer(&w)
	defer b.Close()
	b.Write([]byte("one\n"))
	deadline := time.Now().Add(10 * time.Second)
	for len(w.snapshot()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a buffered line was not written 10 s later")
		}
		time.Sleep(time.Millisecond)
	}
	b.Write([]byte("two\n")) // and the next one too
	for len(w.snapshot()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("a second buffered line was not written")
		}
		time.Sleep(time.Millisecond)
	}
	if got := strings.Join(w.snapshot(), ""); got != "one\ntwo\n" {
		t.Fatalf("wrote %q", got)
	}
}

func TestLogBufferBigLinesAndClosedGoStraightThrough(t *testing.T) {
	var w writes
	b := httpapi.NewLogBuffer(&w)
	b.Write([]byte("small\n"))
	big := strings.Repeat("x", 40<<10) + "\n"
	b.Write([]byte(big))
	if got := w.snapshot(); len(got) != 2 || got[0] != "small\n" || got[1] != big {
		t.Fatalf("a big line: writes %d, want what waited, then the line", len(got))
	}
	b.Close()
	b.Write([]byte("after\n"))
	if got := w.snapshot(); len(got) != 3 || got[2] != "after\n" {
		t.Fatalf("after Close: %q", got[2:])
	}
}

func TestLogBufferReportsAFailedWrite(t *testing.T) {
	w := writes{fail: errors.New("disk full")}
	b := httpapi.NewLogBuffer(&w)
	b.Write([]byte("lost\n"))
	b.Flush()
	if _, err := b.Write([]byte("next\n")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Write after a failed flush: %v, want the failure", err)
	}
	if _, err := b.Write([]byte("next\n")); err != nil {
		t.Fatalf("the failure is reported once: %v", err)
	}
}

// stalled is a writer whose writes wait until it is released, as a pipe's
// do when its reader is behind.
type stalled struct {
	writes
	release chan struct{}
	entered chan struct{} // a write has begun
	once    sync.Once
}

func (w *stalled) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return w.writes.Write(p)
}

// While w is stuck, lines keep being taken (up to the backlog) without
// anyone waiting for w, and once it moves every line arrives, in order.
func TestLogBufferSlowWriterHoldsUpNoWrite(t *testing.T) {
	w := &stalled{release: make(chan struct{}), entered: make(chan struct{})}
	b := httpapi.NewLogBuffer(w)
	line := func(i int) string { return fmt.Sprintf(`{"msg":"http request","n":%06d,"pad":"%0100d"}`+"\n", i, 0) }
	const lines = 5000 // 650 KB: past one buffer, within the backlog
	var want strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range lines {
			want.WriteString(line(i))
			if _, err := b.Write([]byte(line(i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		close(w.release)
		t.Fatal("Write waited for a stuck writer")
	}
	<-w.entered // the first full buffer is being written, and stuck
	close(w.release)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.snapshot(), ""); got != want.String() {
		t.Fatalf("%d bytes written of %d, or out of order", len(got), want.Len())
	}
}

// Many goroutines logging at once lose and split no line.
func TestLogBufferConcurrentWriters(t *testing.T) {
	var w writes
	b := httpapi.NewLogBuffer(&w)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				b.Write([]byte(fmt.Sprintf("g%d line %04d %0100d\n", g, i, 0)))
			}
		}()
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(w.snapshot(), "")
	next := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(all, "\n"), "\n") {
		var g string
		var i, pad int
		if _, err := fmt.Sscanf(l, "%s line %d %d", &g, &i, &pad); err != nil || len(l) != 113 {
			t.Fatalf("a split or garbled line: %q", l)
		}
		if i != next[g] {
			t.Fatalf("%s: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	for g := range 8 {
		if n := next[fmt.Sprintf("g%d", g)]; n != 2000 {
			t.Errorf("g%d: %d lines of 2000", g, n)
		}
	}
}
