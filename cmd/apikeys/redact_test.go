package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServe runs `apikeys serve` in-process on dir with SSH and HTTP on
// loopback, olive's key as the first Primary Owner, and returns both addresses
// and the server's log.
func startServe(t *testing.T, dir string, admin e2eKey) (sshAddr, httpAddr string, logs *testkit.SyncBuffer) {
	t.Helper()
	logs = &testkit.SyncBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs,
		getenv: func(k string) string {
			if k == "APIKEYS_INITIAL_ADMIN_KEYS" {
				return admin.Line
			}
			return ""
		}}
	a := newApp(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		execute(ctx, a, newRootCmd(a), []string{"serve", "--data-dir", dir, "--ssh-addr", "127.0.0.1:0",
			"--http-addr", "127.0.0.1:0", "--log-format", "json", "--ssh-conn-rate", "0", "--http-rate-limit", "100000"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(serveWait):
			t.Error("serve did not stop")
		}
	})
	sshAddr = waitListening(t, logs, done)
	m := regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)"`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no HTTP listener logged:\n%s", logs.String())
	}
	return sshAddr, m[1], logs
}

// leak reports whether out holds more of secret than its hint shows: six
// characters in a row of its random part, or eight in any case (an echo that
// was upper- or lower-cased). A hint shows four.
func leak(out, secret string) string {
	body := secret[8:40]
	for i := 0; i+6 <= len(body); i++ {
		if strings.Contains(out, body[i:i+6]) {
			return body[i : i+6]
		}
	}
	lo := strings.ToLower(out)
	for i := 0; i+8 <= len(body); i++ {
		if strings.Contains(lo, strings.ToLower(body[i:i+8])) {
			return body[i : i+8]
		}
	}
	return ""
}

// secretForms are the ways a secret turns up where it shouldn't: whole, cut to
// the 40 characters an echo used to keep, with its checksum broken, upper-cased.
func secretForms(s string) []string {
	return []string{s, s[:40], s[:40] + "000000", strings.ToUpper(s), "x" + s}
}

// TestSecretsNeverEchoed feeds real secrets through every error path of the
// CLI, the SSH commands and the HTTP API, and looks for them in what comes
// back and in the server's log.
func TestSecretsNeverEchoed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve with SSH and HTTP: not in -short")
	}
	dir := t.TempDir()
	olive := newE2EKey(t, "olive@example.com")
	sshAddr, httpAddr, logs := startServe(t, dir, olive)

	mk := func(typ string) string {
		r := sshRun(t, sshAddr, olive, "keys create --name leak-"+typ+" --type "+typ+" --expires +30d --json")
		var c created
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &c) != nil {
			t.Fatalf("create %s key: %v", typ, r)
		}
		return c.Secret
	}
	audit, imp := mk("audit-logs"), mk("import")
	keyID := func() string {
		r := sshRun(t, sshAddr, olive, "keys list --json")
		var ks []keyJSON
		if json.Unmarshal([]byte(r.stdout), &ks) != nil || len(ks) == 0 {
			t.Fatalf("keys list: %v", r)
		}
		return ks[0].ID
	}()

	// Command lines with the secret in every position an error can echo, as
	// `ssh host …` sends them and as a local run gets them.
	commands := func(s string) [][]string {
		return [][]string{
			{s},
			{"keys", s},
			{"keys", "edit", s, "--name", "x"},
			{"keys", "delete", s, "--yes"},
			{"keys", "rotate", s, "--grace", "24h"},
			{"keys", "rotate", keyID, "--grace", s},
			{"keys", "create", "--name", s, "--type", "import", "--expires", "+30d"},
			{"keys", "create", "--name", "x", "--type", s, "--expires", "+30d"},
			{"keys", "create", "--name", "x", "--type", "import", "--expires", s},
			{"keys", "edit", keyID, "--name", s},
			{"keys", "list", "--expiring-within", s},
			{"keys", "list", "--" + s},
			{"members", "add", "--name", "x", "--email", s, "--type", "member"},
			{"members", "add", "--name", s, "--email", "x@example.com", "--type", "member"},
			{"members", "add", "--name", "x", "--email", "x@example.com", "--type", s},
			{"members", "add", "--name", "x", "--email", "y@example.com", "--type", "member", "--ssh-key", s},
			{"members", "set-type", s, "member"},
			{"members", "set-type", "olive@example.com", s},
			{"members", "deactivate", s},
			{"members", "add-ssh-key", "olive@example.com", s},
			{"members", "remove-ssh-key", "olive@example.com", s},
			{"audit", "--type", s},
			{"--timezone", s, "keys", "list"},
			{"--max-key-lifetime", s, "keys", "list"},
		}
	}
	check := func(where, out, secret string) {
		t.Helper()
		if l := leak(out, secret); l != "" {
			t.Errorf("%s shows %q of the secret:\n%s", where, l, out)
		}
	}

	local := newCLI(t)
	local.ok("keys", "list") // the local workspace exists
	for _, sec := range []string{audit, imp} {
		for _, form := range secretForms(sec) {
			for _, args := range commands(form) {
				r := sshRun(t, sshAddr, olive, shellJoin(args))
				if r.code == 0 && args[0] != "--timezone" {
					t.Errorf("ssh %s succeeded: %v", shellJoin(args), r)
				}
				check("ssh "+shellJoin(args), r.stdout+r.stderr, sec)
				lr := local.run(args...)
				check("apikeys "+shellJoin(args), lr.stdout+lr.stderr, sec)
			}
		}
	}

	// HTTP: every query parameter, the Authorization header, the path, and the
	// fields of verify's body.
	get := func(query, auth string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+httpAddr+"/api/v1/audit-logs/events?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+auth)
		check("GET ?"+query, do(t, req), audit)
	}
	post := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+httpAddr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		check("POST "+path+" "+body, do(t, req), audit)
	}
	for _, form := range secretForms(audit) {
		q := url.QueryEscape(form)
		for _, query := range []string{"eventType=" + q, "eventType=ApiKeyCreated," + q, "pageToken=" + q, "from=" + q, "to=" + q,
			"limit=" + q, q + "=1", "eventType=" + q + "&pageToken=" + q} {
			get(query, audit)
		}
		get("", form+"0")                                                         // a broken key as the credential
		get("", imp[:len(imp)-1]+"x")                                             // a wrong-type key, checksum broken
		req, _ := http.NewRequest("GET", "http://"+httpAddr+"/api/v1/"+form, nil) // in the path
		check("GET /api/v1/<secret>", do(t, req), audit)
		js, _ := json.Marshal(form)
		for _, body := range []string{
			`{"key":` + string(js) + `,"type":` + string(js) + `}`,
			`{"key":"x","type":"import","address":` + string(js) + `}`,
			`{"key":"x","type":"import",` + string(js) + `:1}`,
			`{"key":` + string(js) + `,"type":"import"} ` + form,
			form,
			`{"key":` + string(js) + `,"type":"import","extra":[` + string(js) + `]}`,
		} {
			post("/api/v1/keys/verify", body)
		}
	}

	for _, sec := range []string{audit, imp} {
		check("the server log", logs.String(), sec)
	}
}

// do sends req and returns the status, the headers and the body as one text.
func do(t *testing.T, req *http.Request) string {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %v\n%s", res.StatusCode, res.Header, body)
}

// shellJoin quotes args for a remote command line as a careful user would.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
