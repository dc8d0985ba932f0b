package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completions runs the shell's completion request and returns its candidates.
func (c *cli) completions(args ...string) []string {
	c.t.Helper()
	r := c.run(append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		c.t.Fatalf("__complete %v:\n%s", args, r)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") { // the last line is the directive
			out = append(out, l)
		}
	}
	return out
}

func TestCompletionOfKeyIDsAndEmails(t *testing.T) {
	c := newCLI(t)
	a := c.createKey("Nightly import", "import", "+30d")
	b := c.createKey("SIEM", "audit-logs", "+30d")
	want := []string{b.Key.ID + "\tSIEM (audit-logs)", a.Key.ID + "\tNightly import (import)"}
	for _, cmd := range []string{"edit", "rotate", "delete"} {
		got := c.completions("keys", cmd, "")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("keys %s: %q, want %q", cmd, got, want)
		}
	}
	if got := c.completions("keys", "edit", a.Key.ID[:len(a.Key.ID)-2]); len(got) != 1 || !strings.HasPrefix(got[0], a.Key.ID) {
		t.Errorf("keys edit with a prefix: %q", got)
	}
	if got := c.completions("keys", "edit", a.Key.ID, ""); len(got) != 0 {
		t.Errorf("keys edit takes one id: %q", got)
	}
	if got := c.completions("members", "deactivate", ""); len(got) != 1 || got[0] != "olive@localhost\tOlive Owner" {
		t.Errorf("members deactivate: %q", got)
	}
	if got := c.completions("members", "set-type", "olive@localhost", ""); len(got) != 5 || !strings.HasPrefix(got[0], "primary-owner\t") {
		t.Errorf("members set-type's second argument: %q", got)
	}
	if got := c.completions("audit", "--type", ""); len(got) == 0 || got[0] != "ApiKeyCreated" {
		t.Errorf("audit --type: %q", got)
	}
}

// Pressing tab on a machine with no workspace creates none.
func TestCompletionCreatesNothing(t *testing.T) {
	c := newCLI(t)
	if got := c.completions("keys", "edit", ""); len(got) != 0 {
		t.Errorf("no workspace: %q", got)
	}
	if _, err := os.Stat(filepath.Join(c.dir, dbFile)); err == nil {
		t.Fatal("completion created a database")
	}
}
