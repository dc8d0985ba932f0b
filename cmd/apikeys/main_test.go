package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestExitCodes(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("k", "import", "+30d")
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string // part of the first stderr line
	}{
		{[]string{"keys", "list"}, 0, ""},
		{[]string{"--help"}, 0, ""},
		{[]string{"keys"}, 0, ""},
		{[]string{"help", "keys", "rotate"}, 0, ""},

		// Usage errors: the command line itself is wrong.
		{[]string{"kes", "list"}, 2, `unknown command "kes" for "apikeys"; did you mean "keys"?`},
		{[]string{"keys", "lst"}, 2, `unknown command "lst" for "apikeys keys"; did you mean "list"?`},
		{[]string{"keys", "list", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"keys", "list", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"keys", "edit"}, 2, "missing ID: apikeys keys edit ID"},
		{[]string{"keys", "edit", k.Key.ID}, 2, "nothing to change: give --name, --expires or both"},
		{[]string{"keys", "create", "--name", "x"}, 2, "missing --expires, --type"},
		{[]string{"keys", "rotate", k.Key.ID}, 2, "missing --grace"},
		{[]string{"keys", "rotate", k.Key.ID, "--grace", "soonish"}, 2, `"soonish" is not a grace period`},
		{[]string{"keys", "list", "--expiring-within", "two weeks"}, 2, "is not a span"},
		{[]string{"members", "set-type", "a@b.c"}, 2, "missing TYPE"},
		{[]string{"audit", "--limit", "0"}, 2, "--limit must be between 1 and 1000"},
		{[]string{"audit", "--limit", "many"}, 2, `invalid argument "many"`},
		{[]string{"--timezone", "Mars/Olympus", "keys", "list"}, 2, `unknown time zone "Mars/Olympus"`},
		{[]string{"--max-key-lifetime", "1y", "keys", "list"}, 2, "invalid maximum key lifetime"},
		{[]string{"--db", "mysql://x", "keys", "list"}, 2, "must be a postgres:// URL"},

		// Refusals: understood, but not allowed or not possible.
		{[]string{"keys", "edit", "key_nope", "--name", "x"}, 1, `No API key with id “key_nope”.`},
		{[]string{"keys", "rotate", k.Key.ID, "--grace", "2h"}, 1, "Grace period must be one of now, 1h, 24h, 7d or 30d."},
		{[]string{"keys", "delete", k.Key.ID}, 1, "Pass --yes"},
		{[]string{"audit", "--type", "KeyMade"}, 1, `Unknown event type “KeyMade”: use one of ApiKeyCreated,`},
		{[]string{"members", "add", "--name", "x", "--email", "not-an-email", "--type", "builder"}, 1, `“not-an-email” is not an email address.`},
		{[]string{"--as", "nobody@example.com", "keys", "list"}, 1, `No member “nobody@example.com” in this workspace.`},
		{[]string{"--db", "postgres://admin:hunter2@127.0.0.1:1/apikeys?connect_timeout=5", "keys", "list"}, 1, "can't open the PostgreSQL database"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := c.run(tc.args...)
			if r.code != tc.code {
				t.Fatalf("want exit %d, got %v", tc.code, r)
			}
			switch tc.code {
			case 0:
				if r.stderr != "" {
					t.Errorf("success wrote to stderr: %q", r.stderr)
				}
			case 1:
				refused(t, r, tc.stderr)
			case 2:
				lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[0], "apikeys: ") || !strings.Contains(lines[0], tc.stderr) ||
					!strings.HasPrefix(lines[1], "Run 'apikeys") || !strings.HasSuffix(lines[1], " --help' for usage.") {
					t.Errorf("want the error and a usage hint, got %q", r.stderr)
				}
				if r.stdout != "" {
					t.Errorf("a usage error printed on stdout: %q", r.stdout)
				}
			}
			if strings.Contains(r.stderr, "hunter2") {
				t.Errorf("a database password reached stderr: %q", r.stderr)
			}
		})
	}
}

// --help works on every command, and the plain program prints usage until the TUI lands.
func TestHelpEverywhere(t *testing.T) {
	c := newCLI(t)
	var walk func(cmd *cobra.Command)
	var paths [][]string
	walk = func(cmd *cobra.Command) {
		path := strings.Fields(cmd.CommandPath())[1:]
		paths = append(paths, path)
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(newApp(c.env("", false, nil, nil))))
	if len(paths) < 16 {
		t.Fatalf("only %d commands: %v", len(paths), paths)
	}
	for _, p := range paths {
		r := c.run(append(p, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("apikeys %s --help: %v", strings.Join(p, " "), r)
		}
	}
	// With no arguments apikeys opens the TUI, which needs a terminal; without one
	// it says what to do instead.
	if r := c.run(); r.code != exitRefused || !strings.Contains(r.stderr, "the TUI needs a terminal") {
		t.Errorf("apikeys with no arguments and no terminal: %v", r)
	}
}

func TestDataDir(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		vars       map[string]string
		want       string
	}{
		{"flag first", "/f", map[string]string{"APIKEYS_DATA_DIR": "/e", "XDG_DATA_HOME": "/x", "HOME": "/h"}, "/f"},
		{"then APIKEYS_DATA_DIR", "", map[string]string{"APIKEYS_DATA_DIR": "/e", "XDG_DATA_HOME": "/x", "HOME": "/h"}, "/e"},
		{"then XDG_DATA_HOME", "", map[string]string{"XDG_DATA_HOME": "/x", "HOME": "/h"}, "/x/apikeys"},
		{"a relative XDG_DATA_HOME is ignored", "", map[string]string{"XDG_DATA_HOME": "x", "HOME": "/h"}, "/h/.local/share/apikeys"},
		{"then HOME", "", map[string]string{"HOME": "/h"}, "/h/.local/share/apikeys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dataDir(tc.flag, func(k string) string { return tc.vars[k] })
			if err != nil || got != tc.want {
				t.Errorf("dataDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseSpanAndGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, " 1D ": 24 * time.Hour, "90m": 90 * time.Minute,
	} {
		if got, err := parseSpan(in); err != nil || got != want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-1d", "14", "two weeks", "1y", "d"} {
		if _, err := parseSpan(in); err == nil {
			t.Errorf("parseSpan(%q) accepted", in)
		}
	}
	for in, want := range map[string]time.Duration{
		"now": 0, "NOW": 0, "0": 0, "1h": time.Hour, "24h": 24 * time.Hour, "1d": 24 * time.Hour,
		"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "2h": 2 * time.Hour, // 2h reaches the backend, which refuses it
	} {
		if got, err := parseGrace(in); err != nil || got != want {
			t.Errorf("parseGrace(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]int{"366": 366, "366d": 366, "30D": 30, "1": 1, "3660": 3660} {
		if got, err := parseLifetime(in); err != nil || got != want {
			t.Errorf("parseLifetime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "3661", "1y", "-5", "", "366 days"} {
		if _, err := parseLifetime(in); err == nil {
			t.Errorf("parseLifetime(%q) accepted", in)
		}
	}
}

// JSON output keeps text from the store as it is, but a terminal never receives a
// character that acts instead of printing.
func TestJSONEscapesUnprintable(t *testing.T) {
	in := map[string]string{"name": "evil\u202egnp.exe \x1b[2J\x7f \u200f 😀 ünï", "plain": "ok"}
	var buf strings.Builder
	if err := writeJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range []string{"\u202e", "\x1b", "\x7f", "\u200f"} {
		if strings.Contains(out, r) {
			t.Errorf("raw %U in %q", []rune(r)[0], out)
		}
	}
	if !strings.Contains(out, "😀 ünï") || !strings.Contains(out, `\u202e`) {
		t.Errorf("printable text was altered or bidi not escaped: %s", out)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(out), &back); err != nil || back["name"] != in["name"] || back["plain"] != "ok" {
		t.Errorf("round trip: %q, %v", back, err)
	}
}

// The JSON field names are a contract with scripts: this pins them.
func TestJSONShapes(t *testing.T) {
	c := newCLI(t)
	keyFields := "createdAt createdBy deletedAt expiresAt hint id lastUsedAddr lastUsedAt name owner replacedBy rotatedFrom state type validThrough version"
	memberFields := "accountType createdAt email id name sshKeys status updatedAt version"
	eventFields := "actor eventId eventTimestamp eventType ingestionTimestamp payload source"

	k := c.createKey("k", "import", "+30d")
	for _, tc := range []struct {
		args []string
		want string // fields, or "[fields]" for a list
		sub  map[string]string
	}{
		{[]string{"keys", "create", "--name", "k2", "--type", "export", "--expires", "+9d"}, "key secret", map[string]string{"key": keyFields}},
		{[]string{"keys", "rotate", k.Key.ID, "--grace", "1h"}, "key replaced secret", map[string]string{"key": keyFields, "replaced": keyFields}},
		{[]string{"keys", "list"}, "[" + keyFields + "]", nil},
		{[]string{"keys", "list", "--expiring-within", "2w"}, "[" + keyFields + "]", nil},
		{[]string{"keys", "edit", k.Key.ID, "--name", "renamed"}, keyFields, nil},
		{[]string{"members", "list"}, "[" + memberFields + "]", nil},
		{[]string{"members", "add", "--name", "B", "--email", "b@example.com", "--type", "builder"}, memberFields, nil},
		{[]string{"members", "set-type", "b@example.com", "member"}, memberFields, nil},
		{[]string{"audit"}, "[" + eventFields + "]", nil},
		{[]string{"keys", "delete", k.Key.ID, "--yes"}, keyFields, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := c.ok(append(tc.args, "--json")...)
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			want, list := strings.CutPrefix(tc.want, "[")
			if list {
				want = strings.TrimSuffix(want, "]")
				arr, ok := v.([]any)
				if !ok || len(arr) == 0 {
					t.Fatalf("want a non-empty array, got %s", out)
				}
				v = arr[0]
			}
			obj := v.(map[string]any)
			if got := fields(obj); got != want {
				t.Errorf("fields\n got %s\nwant %s", got, want)
			}
			for name, want := range tc.sub {
				if got := fields(obj[name].(map[string]any)); got != want {
					t.Errorf("%s fields\n got %s\nwant %s", name, got, want)
				}
			}
			// Times are RFC 3339 in UTC.
			for _, f := range []string{"createdAt", "expiresAt", "eventTimestamp"} {
				if s, ok := obj[f].(string); ok {
					if ts, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "Z") || ts.IsZero() {
						t.Errorf("%s = %q", f, s)
					}
				}
			}
		})
	}
}

func fields(m map[string]any) string {
	return strings.Join(sortedKeys(m), " ")
}
