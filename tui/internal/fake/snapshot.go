package fake

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A sample workspace takes a few dozen backend calls to make; dozens of tests
// use each one. It is made once per test process, its SQLite files kept in
// memory, and every test gets a copy of them in its own temporary directory.

// snapshot is a made workspace: its database files by name, and the secrets its
// keys hold (so that the generator still never issues one twice).
type snapshot struct {
	files  map[string][]byte
	issued map[string]bool
}

var (
	snapMu sync.Mutex
	snaps  = map[string]*snapshot{}
)

// fromSnapshot is a copy of the workspace build makes (once per process,
// under name), with its clock at Now and nobody signed in yet.
func fromSnapshot(t testing.TB, name string, build func(c *Client)) *Client {
	t.Helper()
	snapMu.Lock()
	s, ok := snaps[name]
	if !ok {
		s = take(t, build)
		snaps[name] = s
	}
	snapMu.Unlock()
	dir := t.TempDir()
	for f, b := range s.files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gen := newGenerator()
	for k := range s.issued {
		gen.issued[k] = true
	}
	c := openAt(t, filepath.Join(dir, "apikeys.db"), policy, Now, gen)
	t.Cleanup(c.close)
	return c
}

func take(t testing.TB, build func(c *Client)) *snapshot {
	t.Helper()
	dir, err := os.MkdirTemp("", "apikeys-fake-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c := openAt(t, filepath.Join(dir, "apikeys.db"), policy, Now, newGenerator())
	build(c)
	c.close()
	s := &snapshot{files: map[string][]byte{}, issued: c.gen.issued}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "apikeys.db") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			s.files[e.Name()] = b
		}
	}
	return s
}
