package httpapi

import (
	"io"
	"sync"
	"time"
)

// LogBuffer gathers log lines and writes them to w together, at most FlushAfter
// after the first one waiting, or sooner when logBufferSize bytes wait: one
// write(2) for many access log lines instead of one each (through a real
// `serve` under verify load, the writes were a quarter of the access log's
// cost). Each Write is one slog record, kept whole. Close writes what is left;
// until then a crash loses at most FlushAfter of lines.
//
// A goroutine of its own writes to w, full buffers in order: a slow w (a pipe
// whose reader is behind, a terminal) holds up no request while up to
// maxLogBacklog of lines wait for it; only past that does logging wait, so
// memory stays bounded. (Before, the write of a full buffer happened under
// the lock lines are added under: stuck on a full pipe, it held up every
// request in its access log line, with the response not yet sent.)
type LogBuffer struct {
	mu      sync.Mutex
	w       io.Writer
	after   time.Duration
	buf     []byte
	pending bool // a flush is scheduled
	closed  bool // writes go straight through

	full chan logChunk // to the writer goroutine, in order
	free chan []byte   // written buffers, for reuse
	done chan struct{} // the writer goroutine has ended

	emu sync.Mutex // guards err; no other lock is taken under it
	err error      // the last failed write, reported by the next Write
}

// logChunk is a buffer for the writer; flushed, if set, is closed once it is
// written (a Flush waits for it).
type logChunk struct {
	b       []byte
	flushed chan struct{}
}

// FlushAfter is how long a line may wait in a LogBuffer.
const FlushAfter = 50 * time.Millisecond

const (
	logBufferSize = 64 << 10
	maxLogBacklog = 1 << 20 // lines that may wait while w is slow
)

// NewLogBuffer buffers w, writing what waits every FlushAfter.
func NewLogBuffer(w io.Writer) *LogBuffer {
	b := &LogBuffer{w: w, after: FlushAfter, buf: make([]byte, 0, logBufferSize),
		full: make(chan logChunk, maxLogBacklog/logBufferSize), free: make(chan []byte, 4), done: make(chan struct{})}
	go b.writer()
	return b
}

func (b *LogBuffer) writer() {
	defer close(b.done)
	for c := range b.full {
		if len(c.b) > 0 {
			if _, err := b.w.Write(c.b); err != nil {
				b.emu.Lock()
				b.err = err
				b.emu.Unlock()
			}
			select {
			case b.free <- c.b[:0]:
			default:
			}
		}
		if c.flushed != nil {
			close(c.flushed)
		}
	}
}

// Write queues p (one record) to be written soon; it reports a failure of an
// earlier write, since p's own happens later.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeErr(); err != nil {
		return 0, err
	}
	if b.closed {
		return b.w.Write(p)
	}
	if len(p) > logBufferSize/2 {
		b.flushLocked() // what waits goes first
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > logBufferSize {
		b.full <- logChunk{b: b.buf} // waits only when maxLogBacklog waits
		b.buf = b.newBuf()
	}
	b.buf = append(b.buf, p...)
	if !b.pending {
		b.pending = true
		time.AfterFunc(b.after, b.flushSoon)
	}
	return len(p), nil
}

func (b *LogBuffer) newBuf() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
		return make([]byte, 0, logBufferSize)
	}
}

// flushSoon is the scheduled flush: it hands what waits to the writer, or, with
// the backlog full, tries again later rather than hold up the lines being added.
func (b *LogBuffer) flushSoon() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = false
	if b.closed || len(b.buf) == 0 {
		return
	}
	select {
	case b.full <- logChunk{b: b.buf}:
		b.buf = b.newBuf()
	default:
		b.pending = true
		time.AfterFunc(b.after, b.flushSoon)
	}
}

// Flush writes what waits now.
func (b *LogBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

// flushLocked hands what waits to the writer and waits until it, and
// everything before it, is written.
func (b *LogBuffer) flushLocked() {
	if b.closed {
		return
	}
	c := logChunk{b: b.buf, flushed: make(chan struct{})}
	if len(b.buf) > 0 {
		b.buf = b.newBuf()
	}
	b.full <- c
	<-c.flushed
}

func (b *LogBuffer) takeErr() error {
	b.emu.Lock()
	defer b.emu.Unlock()
	err := b.err
	b.err = nil
	return err
}

// Close writes what waits; later writes go straight through to w.
func (b *LogBuffer) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.flushLocked()
		b.closed = true
		close(b.full)
	}
	b.mu.Unlock()
	<-b.done
	return b.takeErr()
}
