package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type shownConfig struct {
	File     *string `json:"file"`
	Settings []struct {
		Name, Value, Source string
	} `json:"settings"`
}

func (s shownConfig) get(t *testing.T, name string) (value, source string) {
	t.Helper()
	for _, r := range s.Settings {
		if r.Name == name {
			return r.Value, r.Source
		}
	}
	t.Fatalf("config show has no %s: %+v", name, s.Settings)
	return "", ""
}

func writeConfig(t *testing.T, c *cli, text string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "xdg")
	if err := os.MkdirAll(filepath.Join(dir, "apikeys"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "apikeys", "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c.vars["XDG_CONFIG_HOME"] = dir
	return path
}

// Every cell of flag > environment > file > default, for a global setting (given
// as a flag on the command line) and for a serve setting (flags of serve can't be
// given to config show, so three sources).
func TestConfigPrecedence(t *testing.T) {
	tests := []struct {
		flag, env, file bool
		want, source    string
	}{
		{false, false, false, "", "default"},
		{false, false, true, "Asia/Tokyo", "file"},
		{false, true, false, "Europe/Paris", "env APIKEYS_TIMEZONE"},
		{false, true, true, "Europe/Paris", "env APIKEYS_TIMEZONE"},
		{true, false, false, "America/New_York", "flag"},
		{true, false, true, "America/New_York", "flag"},
		{true, true, false, "America/New_York", "flag"},
		{true, true, true, "America/New_York", "flag"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("flag=%v,env=%v,file=%v", tt.flag, tt.env, tt.file)
		t.Run(name, func(t *testing.T) {
			c := newCLI(t)
			path := ""
			if tt.file {
				path = writeConfig(t, c, "timezone = \"Asia/Tokyo\"\nhttp-rate-limit = 7\n")
			}
			if tt.env {
				c.vars["APIKEYS_TIMEZONE"] = "Europe/Paris"
				c.vars["APIKEYS_HTTP_RATE_LIMIT"] = "9"
			}
			args := []string{"config", "show"}
			if tt.flag {
				args = append(args, "--timezone", "America/New_York")
			}
			got := okJSON[shownConfig](c, args...)
			want := tt.source
			if want == "file" {
				want = "file " + path
			}
			if v, src := got.get(t, "timezone"); v != tt.want || src != want {
				t.Errorf("timezone = %q from %q, want %q from %q", v, src, tt.want, want)
			}
			// serve's http-rate-limit: env, then file, then default.
			wantV, wantS := "500", "default"
			switch {
			case tt.env:
				wantV, wantS = "9", "env APIKEYS_HTTP_RATE_LIMIT"
			case tt.file:
				wantV, wantS = "7", "file "+path
			}
			if v, src := got.get(t, "http-rate-limit"); v != wantV || src != wantS {
				t.Errorf("http-rate-limit = %q from %q, want %q from %q", v, src, wantV, wantS)
			}
		})
	}
}

// The file's settings really apply: a key created with timezone from the file
// is valid through the day before its expiry date in that zone.
func TestConfigFileApplies(t *testing.T) {
	c := newCLI(t)
	writeConfig(t, c, `timezone = "Pacific/Kiritimati"`+"\n")
	k := c.createKey("Nightly", "import", "2026-07-10")
	if k.Key.ValidThrough != "2026-07-09" || !strings.HasPrefix(k.Key.ExpiresAt.Format("2006-01-02T15"), "2026-07-09T10") {
		t.Errorf("valid through %s, expires %s: want the file's zone (UTC+14)", k.Key.ValidThrough, k.Key.ExpiresAt)
	}
}

func TestConfigFileErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unknown key", "htp-addr = \":8080\"\n", `unknown setting “htp-addr”`},
		{"per-command argument", "name = \"every key\"\n", `unknown setting “name”`},
		{"not TOML", "http-addr = [\n", "config file"},
		{"list for a single value", "http-addr = [\":1\", \":2\"]\n", "takes one value, not a list"},
		{"bad value", "max-sessions = \"many\"\n", "max-sessions (file "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			writeConfig(t, c, tt.text)
			r := c.run("config", "show")
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("want exit 2 and %q:\n%s", tt.want, r)
			}
		})
	}
	c := newCLI(t)
	if r := c.run("--config", filepath.Join(t.TempDir(), "missing.toml"), "keys", "list"); r.code != exitUsage || !strings.Contains(r.stderr, "can't read the config file") {
		t.Errorf("a named config file that's missing:\n%s", r)
	}
}

func TestConfigShowRedacts(t *testing.T) {
	c := newCLI(t)
	c.vars["APIKEYS_DB"] = "postgres://apikeys:hunter2@db.internal/apikeys?sslmode=require&password=also"
	c.vars["APIKEYS_INITIAL_ADMIN_KEYS"] = "apk_imp_notakeybutshapedlikeone"
	r := c.run("config", "show")
	if r.code != 0 || strings.Contains(r.stdout, "hunter2") || strings.Contains(r.stdout, "also") || strings.Contains(r.stdout, "apk_imp") {
		t.Errorf("config show leaks a secret:\n%s", r)
	}
	if !strings.Contains(r.stdout, "postgres://apikeys:xxxxx@db.internal/apikeys") || !strings.Contains(r.stdout, "env APIKEYS_INITIAL_ADMIN_KEYS") {
		t.Errorf("config show:\n%s", r)
	}
}

// Over SSH the server's configuration is not the member's to read or pick, and
// the commands that write files on the server's machine are refused.
func TestRemoteRefusesConfig(t *testing.T) {
	s := newServer(t)
	if r := s.ssh("olive@example.com", "--config", "/etc/passwd", "keys", "list"); r.code != exitRefused || !strings.Contains(r.stderr, "--config can't be used over SSH") {
		t.Errorf("--config over SSH:\n%s", r)
	}
	dir := t.TempDir()
	for _, args := range [][]string{{"config", "show"}, {"backup", "--to", filepath.Join(dir, "b.db")}, {"__gendocs", dir}} {
		if r := s.ssh("olive@example.com", args...); r.code != exitRefused || !strings.Contains(r.stderr, "can't be used over SSH") {
			t.Errorf("%v over SSH:\n%s", args, r)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a command over SSH wrote %d files on the server", len(entries))
	}
}
