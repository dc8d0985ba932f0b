package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// A database that can't be opened is an error, the connection's memory freed
// (no panic on a closed TLS).
func TestOpenRawFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "apikeys.db")
	c, err := openRaw(dsn(path, modeRead))
	if err == nil {
		c.Close()
		t.Fatal("opened a database that does not exist")
	}
	if !strings.Contains(err.Error(), "unable to open") {
		t.Errorf("error %q does not say why", err)
	}
	p := newRawPool(dsn(path, modeRead))
	for range readConns + 1 { // a failed get gives its place back
		if _, err := p.get(t.Context()); err == nil {
			t.Fatal("the pool opened a database that does not exist")
		}
	}
}

// At most readConns connections are out at once: the next get waits, and ends
// with its context; a connection given back is the next one handed out.
func TestRawPoolBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []*rawConn
	for range readConns {
		c, err := s.raw.get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.raw.get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("get beyond the bound = %v, want it to wait for its context", err)
	}
	s.raw.put(out[0])
	c, err := s.raw.get(t.Context())
	if err != nil || c != out[0] {
		t.Fatalf("get after a put = %p, %v; want the connection given back (%p)", c, err, out[0])
	}
	out[0] = c
	for _, c := range out {
		s.raw.put(c)
	}
}
