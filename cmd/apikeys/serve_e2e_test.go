package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// serveWait bounds every wait in these tests; generous for -race on 2 busy cores.
const serveWait = 60 * time.Second

// e2eKey is an SSH key pair with its files, as ssh-keygen would write them.
type e2eKey struct {
	testkit.SSHKey
	priv, pubFile string
}

func newE2EKey(t *testing.T, comment string) e2eKey {
	t.Helper()
	k := e2eKey{SSHKey: testkit.NewSSHKey(t, comment)}
	dir := t.TempDir()
	block, err := ssh.MarshalPrivateKey(k.Private, comment)
	if err != nil {
		t.Fatal(err)
	}
	k.priv, k.pubFile = filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "id_ed25519.pub")
	if err := os.WriteFile(k.priv, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k.pubFile, []byte(k.Line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return k
}

var listeningRE = regexp.MustCompile(`"msg":"ssh server listening","addr":"([^"]+)"`)

// waitListening returns the SSH address a starting `serve` logs.
func waitListening(t *testing.T, logs *testkit.SyncBuffer, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.After(serveWait)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case <-deadline:
			t.Fatalf("serve did not start listening:\n%s", logs.String())
		case <-exited:
			t.Fatalf("serve exited before listening:\n%s", logs.String())
		case <-poll.C:
		}
	}
}

// sshRun runs one command over SSH with the Go client; it returns stdout, stderr
// and the exit status.
func sshRun(t *testing.T, addr string, k e2eKey, cmd string) result {
	t.Helper()
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: "x", Auth: []ssh.AuthMethod{ssh.PublicKeys(k.Signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: serveWait,
	})
	if err != nil {
		t.Fatalf("ssh %q: %v", cmd, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	err = s.Run(cmd)
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *ssh.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("ssh %q: %v", cmd, err)
	}
	return r
}

// screen collects what a TUI draws on a terminal and answers the terminal
// queries (background colour, device attributes) the way xterm does.
type screen struct {
	out   testkit.SyncBuffer
	reply io.Writer
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]`)

func (s *screen) read(r io.Reader) {
	buf := make([]byte, 8192)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			s.out.Write(buf[:n])
			if bytes.Contains(buf[:n], []byte("\x1b]11;?")) {
				io.WriteString(s.reply, "\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\")
			}
			if bytes.Contains(buf[:n], []byte("\x1b[c")) {
				io.WriteString(s.reply, "\x1b[?62;22c")
			}
		}
		if err != nil {
			return
		}
	}
}

// text is everything drawn so far with the escape sequences taken out.
func (s *screen) text() string { return ansiRE.ReplaceAllString(s.out.String(), "") }

func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(serveWait)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for !strings.Contains(s.text(), want) {
		select {
		case <-deadline:
			t.Fatalf("the screen never showed %q; it shows:\n%s", want, s.text())
		case <-poll.C:
		}
	}
}

// TestServeOverSSH runs `apikeys serve` in-process and uses it as members would
// with the Go SSH client: the real commands and the real TUI, as each member.
func TestServeOverSSH(t *testing.T) {
	dir := t.TempDir()
	olive := newE2EKey(t, "olive@example.com")
	wanda := newE2EKey(t, "wanda@laptop")
	var stdout, stderr testkit.SyncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string {
			if k == "APIKEYS_INITIAL_ADMIN_KEYS" {
				return olive.Line
			}
			return ""
		}}
	a := newApp(e)
	root := newRootCmd(a)
	if c, _, err := root.Find([]string{"serve"}); err != nil || c == root {
		root.AddCommand(newServeCmd(a)) // until the root registers it itself
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	code := -1
	go func() {
		defer close(done)
		code = execute(ctx, a, root, []string{"serve", "--data-dir", dir, "--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-format", "json"})
	}()
	addr := waitListening(t, &stderr, done)
	// --http-addr serves the HTTP API beside SSH, on the same workspace.
	if m := regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)"`).FindStringSubmatch(stderr.String()); m == nil {
		t.Errorf("no HTTP listener logged:\n%s", stderr.String())
	} else if res, err := http.Get("http://" + m[1] + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	add := sshRun(t, addr, olive, `members add --name "Wanda Admin" --email wanda@example.com --type workspace-admin --ssh-key "`+wanda.Line+`"`)
	if add.code != 0 {
		t.Fatalf("owner adds a member over SSH: %v", add)
	}
	// A Workspace Admin may not touch Audit logs keys, over SSH as anywhere.
	r := sshRun(t, addr, wanda, "keys create --name Audit --type audit-logs --expires +30d")
	if r.code != 1 || !strings.Contains(r.stderr, "You need to be a Security Admin to manage Audit logs API keys.") {
		t.Errorf("workspace admin creates an audit-logs key: %v", r)
	}
	r = sshRun(t, addr, wanda, "keys create --name Import --type import --expires +30d --json")
	if r.code != 0 {
		t.Fatalf("workspace admin creates an import key: %v", r)
	}
	var made struct{ Secret string }
	if err := json.Unmarshal([]byte(r.stdout), &made); err != nil || !strings.HasPrefix(made.Secret, "apk_imp_") {
		t.Fatalf("create --json printed %q (%v)", r.stdout, err)
	}
	// The key alone says who you are.
	for _, cmd := range []string{"--as olive@example.com keys list", "--data-dir /tmp keys list", "--db postgres://x keys list", "serve"} {
		r := sshRun(t, addr, wanda, cmd)
		// Until the root registers serve, the session's command tree doesn't
		// know it; once it does, execute refuses it by name.
		unknownServe := cmd == "serve" && strings.Contains(r.stderr, `unknown command "serve"`)
		if r.code == 0 || !strings.Contains(r.stderr, "can't be used over SSH") && !unknownServe {
			t.Errorf("%s over SSH: %v", cmd, r)
		}
	}
	// Every action of a session is audited with source ssh.
	r = sshRun(t, addr, olive, "audit --json")
	var events []struct {
		EventType string `json:"eventType"`
		Source    string `json:"source"`
		Actor     struct{ Email string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &events); err != nil {
		t.Fatalf("audit --json: %v\n%v", err, r)
	}
	seen := map[string]bool{}
	for _, ev := range events {
		if ev.EventType == "ApiKeyCreated" || ev.EventType == "SshSessionStarted" || ev.EventType == "UserInvited" && ev.Actor.Email != "" {
			if ev.Source != "ssh" {
				t.Errorf("%s by %s has source %q, want ssh", ev.EventType, ev.Actor.Email, ev.Source)
			}
			seen[ev.EventType] = true
		}
	}
	if !seen["ApiKeyCreated"] || !seen["SshSessionStarted"] {
		t.Errorf("audit lacks the SSH events: %v", r.stdout)
	}
	if strings.Contains(stderr.String(), made.Secret) {
		t.Error("the server log holds a secret")
	}

	// The real TUI over a PTY shows who signed in and as what.
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "x", Auth: []ssh.AuthMethod{ssh.PublicKeys(wanda.Signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: serveWait})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := c.NewSession()
	if err := s.RequestPty("xterm-256color", 30, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, _ := s.StdinPipe()
	outPipe, _ := s.StdoutPipe()
	scr := &screen{reply: in}
	go scr.read(outPipe)
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "Wanda Admin")
	scr.waitFor(t, "Workspace Admin")
	scr.waitFor(t, "Import") // her key, in the list
	io.WriteString(in, "q")
	if err := s.Wait(); err != nil {
		t.Errorf("TUI session after q: %v", err)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(serveWait):
		t.Fatal("serve did not stop")
	}
	if code != 0 || !strings.Contains(stderr.String(), "ssh server stopped") {
		t.Errorf("serve exit %d:\n%s", code, stderr.String())
	}
}

// TestServeEndToEndWithOpenSSH builds the real binary, starts `apikeys serve` and
// drives it with the real OpenSSH client: a command, then an interactive TUI
// session under a PTY that creates a key.
func TestServeEndToEndWithOpenSSH(t *testing.T) {
	bin := buildBinary(t, "builds the binary and runs OpenSSH")
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("the OpenSSH client is needed: apt-get install openssh-client")
	}
	if out, _ := exec.Command(bin, "serve", "--help").CombinedOutput(); !strings.Contains(string(out), "--ssh-addr") {
		t.Fatalf("the binary has no serve command: register newServeCmd(a) in newRootCmd\n%s", out)
	}
	dir := t.TempDir()
	key := newE2EKey(t, "olive@laptop")
	srv, logs, exited := serveProcess(t, bin, "--data-dir", dir, "--ssh-addr", "127.0.0.1:0", "--log-format", "json",
		"--initial-admin-key", key.pubFile, "--initial-admin-email", "olive@example.com", "--initial-admin-name", "Olive Owner")
	addr := waitListening(t, logs, exited)
	port := addr[strings.LastIndex(addr, ":")+1:]
	sshArgs := func(extra ...string) []string {
		return append([]string{"-F", "/dev/null", "-p", port, "-i", key.priv, "-o", "IdentitiesOnly=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
			"-o", "LogLevel=ERROR"}, extra...)
	}

	out, err := exec.Command("ssh", sshArgs("127.0.0.1", "keys", "list", "--json")...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "[]" {
		t.Fatalf("ssh keys list --json: %v\n%s", err, out)
	}

	tuiCmd := exec.Command("ssh", sshArgs("-tt", "127.0.0.1")...)
	tuiCmd.Env = append(os.Environ(), "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(tuiCmd, &pty.Winsize{Rows: 30, Cols: 110})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	scr := &screen{reply: ptmx}
	go scr.read(ptmx)
	scr.waitFor(t, "Olive Owner")
	scr.waitFor(t, "Primary Owner")
	scr.waitFor(t, "No API keys yet.")
	ptmx.WriteString("n")
	scr.waitFor(t, "New API key")
	// The name, then Enter on it, on Key type and on Expiration (the defaults).
	ptmx.WriteString("ssh e2e key\r\r\r")
	scr.waitFor(t, "it won't be shown again")
	secret := regexp.MustCompile(`apk_[a-z]{3}_[0-9A-Za-z]{38}`).FindString(scr.text())
	if secret == "" {
		t.Fatalf("no secret on the screen:\n%s", scr.text())
	}
	// ctrl+c quits from anywhere, but asks first with an uncopied secret on screen.
	ptmx.Write([]byte{3})
	scr.waitFor(t, "Quit anyway? (y/N)")
	ptmx.WriteString("y")
	waitDone := make(chan error, 1)
	go func() { waitDone <- tuiCmd.Wait() }()
	select {
	case err := <-waitDone:
		if err != nil {
			t.Errorf("ssh -tt after ctrl+c: %v", err)
		}
	case <-time.After(serveWait):
		t.Fatal("the TUI session did not end on ctrl+c")
	}

	out, err = exec.Command("ssh", sshArgs("127.0.0.1", "audit", "--type", "ApiKeyCreated", "--json")...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"source": "ssh"`) && !strings.Contains(string(out), `"source":"ssh"`) {
		t.Errorf("audit of the key made in the TUI: %v\n%s", err, out)
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the server log holds the secret")
	}
	if _, err := os.Stat(filepath.Join(dir, "ssh_host_ed25519")); err != nil {
		t.Errorf("host key not in the data directory: %v", err)
	}
	if entries, _ := os.ReadDir(srv.Dir); len(entries) != 0 {
		t.Errorf("serve wrote into its working directory: %v", entries)
	}

	// SIGTERM: stop accepting, end sessions, exit 0 in bounded time.
	srv.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(serveWait):
		t.Fatal("serve did not exit after SIGTERM")
	}
	if srv.ProcessState.ExitCode() != 0 || !strings.Contains(logs.String(), "ssh server stopped") {
		t.Errorf("serve after SIGTERM: exit %d", srv.ProcessState.ExitCode())
	}
}

func TestServeInitialAdminKeys(t *testing.T) {
	a, b := newE2EKey(t, "ana@example.com"), newE2EKey(t, "ana@laptop")
	file := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(file, []byte("# admins\n"+a.Line+"\n\n"+b.Line+"\n"), 0o600)
	for _, c := range []struct {
		name    string
		sources []string
		want    int
		err     string
	}{
		{"a line", []string{a.Line}, 1, ""},
		{"a file", []string{file}, 2, ""},
		{"lines in one value, as in the environment", []string{a.Line + "\n" + b.Line}, 2, ""},
		{"repeated", []string{a.Line, b.pubFile}, 2, ""},
		{"no such file", []string{"/nonexistent/keys"}, 0, "neither an SSH public key nor a readable file"},
		{"not a key", []string{"ssh-ed25519 garbage"}, 0, "Not an SSH public key"},
	} {
		lines, err := authorizedKeyLines(c.sources)
		if len(lines) != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %d lines, err %v; want %d, %q", c.name, len(lines), err, c.want, c.err)
		}
	}
	noComment := strings.Join(strings.Fields(a.Line)[:2], " ")
	for _, c := range []struct {
		f           serveFlags
		key         string
		email, name string
		derived     bool
	}{
		{serveFlags{}, a.Line, "ana@example.com", "ana", true},
		{serveFlags{adminNm: "Ana Admin"}, a.Line, "ana@example.com", "Ana Admin", true},
		{serveFlags{}, b.Line, "ana@laptop", "ana", true}, // ssh-keygen's user@host
		{serveFlags{}, noComment, "admin@localhost", "admin", true},
		{serveFlags{adminEmail: "root@example.org", adminNm: "Root"}, b.Line, "root@example.org", "Root", false},
	} {
		email, name, derived := initialAdmin(c.f, c.key)
		if email != c.email || name != c.name || derived != c.derived {
			t.Errorf("initialAdmin(%+v, %q) = %q %q %v", c.f, c.key, email, name, derived)
		}
	}
}

func TestServeFlagDefaults(t *testing.T) {
	c := newServeCmd(newApp(&env{}))
	for flag, want := range map[string]string{
		"ssh-addr": ":23234", "http-addr": "", "idle-timeout": "15m0s", "max-sessions": "100", "ssh-conn-rate": "60",
	} {
		if f := c.Flags().Lookup(flag); f == nil || f.DefValue != want {
			t.Errorf("--%s default %v, want %q", flag, f, want)
		}
	}
	if c.Annotations[localOnlyAnnotation] != "true" {
		t.Error("serve is not marked local-only")
	}
}
