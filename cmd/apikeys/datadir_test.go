package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// TestRelativeDataDir: a relative --data-dir or APIKEYS_DATA_DIR is taken from
// the working directory. It used to fail with "invalid uri authority" and leave
// an empty apikeys.db behind.
func TestRelativeDataDir(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	for _, c := range []struct {
		name string
		args []string
		vars map[string]string
		dir  string
	}{
		{"--data-dir", []string{"--data-dir", "data"}, nil, "data"},
		{"--data-dir ./", []string{"--data-dir", "./nested/./data/"}, nil, "nested/data"},
		{"APIKEYS_DATA_DIR", nil, map[string]string{"APIKEYS_DATA_DIR": "envdata"}, "envdata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := newCLI(t)
			cl.vars = c.vars
			if cl.vars == nil {
				cl.vars = map[string]string{}
			}
			r := cl.run(append(c.args, "keys", "create", "--name", "rel", "--type", "import", "--expires", "+30d")...)
			if r.code != 0 {
				t.Fatalf("keys create: %v", r)
			}
			r = cl.run(append(c.args, "keys", "list")...)
			if r.code != 0 || !strings.Contains(r.stdout, "rel") {
				t.Fatalf("keys list: %v", r)
			}
			fi, err := os.Stat(filepath.Join(cwd, c.dir, dbFile))
			if err != nil || fi.Size() == 0 {
				t.Fatalf("the database is not in %s under the working directory: %v", c.dir, err)
			}
		})
	}
	got, err := dataDir("data", func(string) string { return "" })
	if want := filepath.Join(cwd, "data"); err != nil || got != want {
		t.Errorf("dataDir(data) = %q, %v; want %q", got, err, want)
	}
}

// TestReadOnlyDataDir: read commands work on a data directory that can't be
// written, and change nothing there; a command that writes says why it can't.
func TestReadOnlyDataDir(t *testing.T) {
	c := newCLI(t)
	c.createKey("Nightly import", "import", "+30d")
	testkit.ReadOnlyDir(t, c.dir)
	before := testkit.DirListing(t, c.dir)

	for _, args := range [][]string{{"keys", "list"}, {"members", "list"}, {"audit"}, {"keys", "list", "--json"}} {
		r := c.run(args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("apikeys %s on a read-only data directory: %v", strings.Join(args, " "), r)
		}
	}
	if out := c.run("keys", "list").stdout; !strings.Contains(out, "Nightly import") {
		t.Errorf("keys list doesn't show the key:\n%s", out)
	}
	refused(t, c.run("keys", "create", "--name", "x", "--type", "import", "--expires", "+30d"), "is read-only")
	if after := testkit.DirListing(t, c.dir); after != before {
		t.Errorf("the read-only data directory changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// A read-only directory with no workspace yet: one line saying why not.
	empty := t.TempDir()
	os.Chmod(empty, 0o500)
	t.Cleanup(func() { os.Chmod(empty, 0o700) })
	c.vars["APIKEYS_DATA_DIR"] = empty
	refused(t, c.run("keys", "list"), "read-only and holds no workspace yet")
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("files made in a read-only directory: %v", entries)
	}
}

// TestLooseDataDirWarned: a data directory others may write is used, with a
// one-line warning that names the fix.
func TestLooseDataDirWarned(t *testing.T) {
	c := newCLI(t)
	c.ok("keys", "list")
	for _, mode := range []os.FileMode{0o777, 0o770, 0o1777} {
		os.Chmod(c.dir, mode)
		r := c.run("keys", "list")
		want := "apikeys: warning: the data directory " + c.dir + " can be written by others"
		if r.code != 0 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "chmod 700 "+c.dir+"\n") {
			t.Errorf("mode %04o: %v", mode, r)
		}
	}
	for _, mode := range []os.FileMode{0o700, 0o750, 0o755} {
		os.Chmod(c.dir, mode)
		if r := c.run("keys", "list"); r.code != 0 || r.stderr != "" {
			t.Errorf("mode %04o: %v", mode, r)
		}
	}
	os.Chmod(c.dir, 0o700)
}
