package sshd

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// input is a session's keyboard: one goroutine reads the client's bytes as they
// arrive, stamping the time of each (that, and never output, is what the idle
// timeout counts), and readers take them from here. Unlike the SSH channel, a
// read can time out without losing what arrives later: the terminal query made
// while building the session's renderer gives up after a deadline, and the
// keystroke that comes after still reaches the TUI.
type input struct {
	data     chan []byte
	done     <-chan struct{}
	last     atomic.Int64 // unix nanoseconds of the last bytes from the client
	deadline atomic.Int64 // unix nanoseconds; 0: none

	mu   sync.Mutex // one reader at a time
	rest []byte
	err  error // why the pump stopped, set before data is closed
}

func newInput(src io.Reader, done <-chan struct{}, now time.Time) *input {
	in := &input{data: make(chan []byte), done: done}
	in.last.Store(now.UnixNano())
	go in.pump(src)
	return in
}

func (in *input) pump(src io.Reader) {
	for {
		buf := make([]byte, 256)
		n, err := src.Read(buf)
		if n > 0 {
			in.last.Store(time.Now().UnixNano())
			select {
			case in.data <- buf[:n]:
			case <-in.done:
				return
			}
		}
		if err != nil {
			in.err = err
			close(in.data)
			return
		}
	}
}

// Read returns what the client typed, waiting for it until the session ends or
// the deadline passes.
func (in *input) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.rest) > 0 {
		n := copy(p, in.rest)
		in.rest = in.rest[n:]
		return n, nil
	}
	var timeout <-chan time.Time
	if d := in.deadline.Load(); d != 0 {
		t := time.NewTimer(time.Until(time.Unix(0, d)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case b, ok := <-in.data:
		if !ok {
			return 0, in.err
		}
		n := copy(p, b)
		in.rest = b[n:]
		return n, nil
	case <-timeout:
		return 0, os.ErrDeadlineExceeded
	case <-in.done:
		return 0, io.EOF
	}
}

// setDeadline makes reads give up at t; the zero time removes the deadline.
func (in *input) setDeadline(t time.Time) {
	if t.IsZero() {
		in.deadline.Store(0)
		return
	}
	in.deadline.Store(t.UnixNano())
}

// lastInput is when the client last sent anything.
func (in *input) lastInput() time.Time { return time.Unix(0, in.last.Load()) }

// idleFor says how long the client has been silent at now, and whether that is
// past timeout; if not, left is how long it may stay silent still.
func idleFor(last, now time.Time, timeout time.Duration) (expired bool, left time.Duration) {
	idle := now.Sub(last)
	if idle >= timeout {
		return true, 0
	}
	return false, timeout - idle
}
