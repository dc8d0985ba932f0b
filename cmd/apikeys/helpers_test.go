package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// start is the pinned "now" of the in-process tests: 25 Jun 2026, 12:00 UTC.
var start = time.Date(2026, 6, 25, 12, 0, 0, 0, time.UTC)

// cli runs the command line in-process on one fresh data directory, as the OS
// user "olive" (Olive Owner), with a pinned clock.
type cli struct {
	t     *testing.T
	dir   string
	clock *testkit.Clock
	vars  map[string]string // the environment the commands see
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	return &cli{t: t, dir: dir, clock: testkit.NewClock(start), vars: map[string]string{"APIKEYS_DATA_DIR": dir}}
}

// result is what one run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func (c *cli) env(stdin string, tty bool, stdout, stderr *bytes.Buffer) *env {
	return &env{
		stdin: strings.NewReader(stdin), stdout: stdout, stderr: stderr,
		stdinIsTerminal: tty,
		getenv:          func(k string) string { return c.vars[k] },
		now:             c.clock.Now,
		osUser:          func() (string, string) { return "olive", "Olive Owner" },
	}
}

// run runs one command line with no terminal.
func (c *cli) run(args ...string) result { return c.runWith("", false, args...) }

// runWith runs one command line with stdin text and, if tty, as if on a terminal.
func (c *cli) runWith(stdin string, tty bool, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, c.env(stdin, tty, &out, &errb))
	return result{out.String(), errb.String(), code}
}

// ok runs a command line that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("apikeys %s: %v", strings.Join(args, " "), r)
	}
	return r.stdout
}

// okJSON runs a command line with --json that must succeed and decodes its output.
func okJSON[T any](c *cli, args ...string) T {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		c.t.Fatalf("apikeys %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// created is the JSON of keys create and keys rotate.
type created struct {
	Key      keyJSON  `json:"key"`
	Replaced *keyJSON `json:"replaced"`
	Secret   string   `json:"secret"`
}

func (c *cli) createKey(name, typ, expires string) created {
	c.t.Helper()
	return okJSON[created](c, "keys", "create", "--name", name, "--type", typ, "--expires", expires)
}

// refused checks a run failed with exit code 1, printed nothing on stdout and one
// line on stderr holding want.
func refused(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != exitRefused {
		t.Fatalf("want exit 1, got %v", r)
	}
	if r.stdout != "" {
		t.Errorf("a refusal printed on stdout: %q", r.stdout)
	}
	if n := strings.Count(r.stderr, "\n"); n != 1 || !strings.HasPrefix(r.stderr, "apikeys: ") {
		t.Errorf("want one \"apikeys: …\" line on stderr, got %q", r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
}

// openBackend opens the data directory's store directly, for checks and for
// setting up what the CLI can't do (recording a key's use).
func (c *cli) openBackend() *backend.Backend {
	c.t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(c.dir, dbFile))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { st.Close() })
	return backend.New(backend.Config{Store: st, Clock: c.clock.Now})
}

func findKey(keys []keyJSON, id string) (keyJSON, bool) {
	for _, k := range keys {
		if k.ID == id {
			return k, true
		}
	}
	return keyJSON{}, false
}

// serveProcess starts `bin serve args…` in a directory of its own, kills it when
// the test ends (printing its log if the test failed), and returns the log and a
// channel closed once the process has exited (then srv.ProcessState is set).
func serveProcess(t *testing.T, bin string, args ...string) (srv *exec.Cmd, logs *testkit.SyncBuffer, exited <-chan struct{}) {
	t.Helper()
	logs = &testkit.SyncBuffer{}
	srv = exec.Command(bin, append([]string{"serve"}, args...)...)
	srv.Stderr = logs
	srv.Dir = t.TempDir() // a relative path (a host key) must not land in the package
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	t.Cleanup(func() {
		srv.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return srv, logs, done
}

// buildBinary builds the apikeys binary for a test that runs it as a process,
// or uses $APIKEYS_E2E_BINARY if set; in -short the test is skipped, what
// naming what it does.
func buildBinary(t *testing.T, what string) string {
	t.Helper()
	if testing.Short() {
		t.Skip(what + ": not in -short")
	}
	if bin := os.Getenv("APIKEYS_E2E_BINARY"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "apikeys")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
