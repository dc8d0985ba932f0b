package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var secretRE = regexp.MustCompile(`apk_(aud|imp|exp|mdm)_[0-9A-Za-z]{38}`)

// Each secret is printed once, by the command that made it, and appears in no
// other output, no error and no file of the data directory.
func TestSecretPrintedOnce(t *testing.T) {
	c := newCLI(t)
	var outputs []string // everything every run printed, in order
	record := func(r result) result {
		outputs = append(outputs, r.stdout, r.stderr)
		return r
	}
	secrets := map[string]int{} // secret → index of the output that showed it

	mint := func(args ...string) string {
		t.Helper()
		r := record(c.run(args...))
		found := secretRE.FindAllString(r.stdout, -1)
		if r.code != 0 || len(found) != 1 {
			t.Fatalf("apikeys %s: want one secret, got %d: %v", strings.Join(args, " "), len(found), r)
		}
		secrets[found[0]] = len(outputs) - 2
		return found[0]
	}
	mint("keys", "create", "--name", "human", "--type", "audit-logs", "--expires", "+30d")
	j := okJSON[created](c, "keys", "create", "--name", "json", "--type", "import", "--expires", "+30d")
	secrets[j.Secret] = -1 // printed by okJSON's run, not recorded
	keys := okJSON[[]keyJSON](c, "keys", "list")
	for _, k := range keys {
		if k.Name == "human" {
			mint("keys", "rotate", k.ID, "--grace", "24h")
		} else {
			mint("keys", "rotate", k.ID, "--grace", "now", "--json")
		}
	}
	if len(secrets) != 4 {
		t.Fatalf("want 4 distinct secrets, got %d", len(secrets))
	}

	// Everything else an admin might run afterwards, including failures.
	for _, args := range [][]string{
		{"keys", "list"}, {"keys", "list", "--json"}, {"keys", "list", "--expiring-within", "60d"},
		{"audit"}, {"audit", "--json"}, {"members", "list", "--json"},
		{"keys", "rotate", keys[0].ID, "--grace", "now"},  // refused: already rotated
		{"keys", "edit", keys[1].ID, "--name", "\x1b[2J"}, // refused: bad name
		{"keys", "delete", keys[0].ID},                    // refused: no terminal
	} {
		record(c.run(args...))
	}

	for s, shownAt := range secrets {
		for i, out := range outputs {
			if n := strings.Count(out, s); i == shownAt && n != 1 || i != shownAt && n != 0 {
				t.Errorf("secret %s…: %d times in output %d (shown at %d)", s[:12], n, i, shownAt)
			}
		}
	}

	files, err := filepath.Glob(filepath.Join(c.dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("data dir: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for s := range secrets {
			if strings.Contains(string(data), s) || strings.Contains(string(data), s[8:]) {
				t.Errorf("%s holds a secret", filepath.Base(f))
			}
		}
	}
}
