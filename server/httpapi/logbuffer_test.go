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
