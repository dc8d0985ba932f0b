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
type LogBuffer struct {
	mu      sync.Mutex
	w       io.Writer
	after   time.Duration
	buf     []byte
	pending bool  // a flush is scheduled
	closed  bool  // writes go straight through
	err     error // the last failed write, reported by the next Write
}

// FlushAfter is how long a line may wait in a LogBuffer.
const FlushAfter = 50 * time.Millisecond

const logBufferSize = 64 << 10

// NewLogBuffer buffers w, writing what waits every FlushAfter.
func NewLogBuffer(w io.Writer) *LogBuffer {
	return &LogBuffer{w: w, after: FlushAfter, buf: make([]byte, 0, logBufferSize)}
}

// Write queues p (one record) to be written soon; it reports a failure of an
// earlier write, since p's own happens later.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.err; err != nil {
		b.err = nil
		return 0, err
	}
	if b.closed || len(p) > logBufferSize/2 {
		b.flushLocked()
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) > logBufferSize {
		b.flushLocked()
	}
	b.buf = append(b.buf, p...)
	if !b.pending {
		b.pending = true
		time.AfterFunc(b.after, b.Flush)
	}
	return len(p), nil
}

// Flush writes what waits now.
func (b *LogBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.pending = false
}

func (b *LogBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil {
		b.err = err
	}
	b.buf = b.buf[:0]
}

// Close writes what waits; later writes go straight through to w.
func (b *LogBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
	err := b.err
	b.err = nil
	return err
}
