package sshd_test

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

func TestCommandOutputAndExitStatus(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	out, errOut, code := ts.run(c, `exit 3`)
	if code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	if !strings.Contains(out, "hello Ana Owner (primary-owner) exit|3") {
		t.Errorf("stdout %q", out)
	}
	if errOut != "to stderr\n" {
		t.Errorf("stderr %q, want the command's own stderr", errOut)
	}
	// Arguments are split the way a shell would.
	out, _, code = ts.run(c, `keys create --name "My key"`)
	if code != 0 || !strings.Contains(out, "keys|create|--name|My key") {
		t.Errorf("got %q exit %d", out, code)
	}
}

func TestSessionStartIsAudited(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	if _, _, code := ts.run(c, "whoami"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	page, err := ts.ownerSession().ListEvents(context.Background(), backend.EventFilter{Types: []model.EventType{model.EventSshSessionStarted}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 {
		t.Fatalf("%d SshSessionStarted events, want 1", len(page.Events))
	}
	e := page.Events[0]
	payload := string(e.Payload)
	if e.Source != model.SourceSSH || e.Actor.ID != ts.owner.ID ||
		!strings.Contains(payload, ts.ownerID.fp) || !strings.Contains(payload, `"127.0.0.1"`) {
		t.Errorf("event %+v payload %s: want Ana, source ssh, her fingerprint and 127.0.0.1", e, payload)
	}
	logs := ts.logs.String()
	for _, want := range []string{`"msg":"ssh session ended"`, `"command":"whoami"`, `"fingerprint":"` + ts.ownerID.fp, `"duration"`, `"member":"` + ts.owner.ID} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestCommandWordsOnlyAreLogged(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	ts.run(c, `members add-ssh-key x@example.com "ssh-ed25519 AAAAsecretish"`)
	logs := ts.logs.String()
	if !strings.Contains(logs, `"command":"members add-ssh-key (+2)"`) || strings.Contains(logs, "AAAAsecretish") {
		t.Errorf("want only the command's words in the log:\n%s", logs)
	}
	// `ssh host "$SECRET"`: the first word isn't a command, so nothing of it
	// is logged (the first two words were).
	const secret = "apk_live_Zq3xV8mN2pR7tY5wK1bC9dF4gH6jL0sA"
	ts.run(c, secret+" "+secret)
	ts.run(c, "keys "+secret)
	if logs := ts.logs.String(); strings.Contains(logs, "Zq3xV8mN2p") {
		t.Errorf("a secret given as the command reached the log:\n%s", logs)
	}
}

func TestNoTerminalNoCommandGetsAHint(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	s.Stderr = &errOut
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	err = s.Wait()
	if err == nil || !strings.Contains(err.Error(), "exited with status 1") {
		t.Errorf("wait: %v, want exit status 1", err)
	}
	got := errOut.String()
	if !strings.Contains(got, "run `ssh -t -p ") || !strings.Contains(got, "keys list") || strings.Count(got, "\n") != 1 {
		t.Errorf("hint %q, want one line naming ssh -t and a command", got)
	}
}

func TestTUIShowsMemberAndFollowsWindowSize(t *testing.T) {
	ts := startServer(t, nil)
	ts.addMember("Sam Security", "sam@example.com", model.SecurityAdmin)
	_, samID := ts.addMember("Wes Workspace", "wes@example.com", model.WorkspaceAdmin)
	term := ts.openTerminal(ts.mustDial(samID), nil, "")
	term.waitFor("Wes Workspace")
	term.waitFor("· Workspace Admin")
	term.waitFor("size 80x24")
	term.waitFor("\x1b[?1049h") // the alternate screen
	if err := term.s.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	term.waitFor("size 100x30")
	term.send("ab")
	term.waitFor("keys [ab]")
	term.send("q")
	if code := term.wait(); code != 0 {
		t.Errorf("exit %d after q, want 0", code)
	}
	if !strings.Contains(term.out.String(), "\x1b[?1049l") {
		t.Error("the alternate screen was not left on quit")
	}
}

func TestTUIUsesTheClientsColoursAndHonoursNoColor(t *testing.T) {
	ts := startServer(t, nil)
	const pink = "38;2;255;95;135m" // #ff5f87 in true colour
	colour := ts.openTerminal(ts.mustDial(ts.ownerID), map[string]string{"COLORTERM": "truecolor"}, "")
	colour.waitFor(pink)
	colour.send("q")
	colour.wait()

	plain := ts.openTerminal(ts.mustDial(ts.ownerID), map[string]string{"COLORTERM": "truecolor", "NO_COLOR": "1"}, "")
	plain.waitFor("Ana Owner")
	plain.send("q")
	plain.wait()
	if strings.Contains(plain.out.String(), "\x1b[38;") {
		t.Errorf("NO_COLOR client got colours:\n%q", plain.out.String())
	}
}

func TestCommandWithPTY(t *testing.T) {
	ts := startServer(t, nil)
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "exit 4")
	term.waitFor("hello Ana Owner")
	if code := term.wait(); code != 4 {
		t.Errorf("exit %d, want 4", code)
	}
}

func TestPanicsEndOnlyTheirSession(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	_, errOut, code := ts.run(c, "panic")
	if code != 1 || !strings.Contains(errOut, "internal error") {
		t.Errorf("panicking command: exit %d stderr %q", code, errOut)
	}
	term := ts.openTerminal(c, nil, "")
	term.waitFor("Ana Owner")
	term.send("!")
	term.waitFor("internal error")
	if code := term.wait(); code != 1 {
		t.Errorf("panicking TUI: exit %d, want 1", code)
	}
	if out, _, code := ts.run(ts.mustDial(ts.ownerID), "still here"); code != 0 || !strings.Contains(out, "still|here") {
		t.Errorf("server after panics: %q exit %d", out, code)
	}
	if !strings.Contains(ts.logs.String(), "panicked") {
		t.Error("the panics were not logged")
	}
}

func TestSessionCarriesMemberInContext(t *testing.T) {
	got := make(chan model.Member, 1)
	ts := startServer(t, func(c *sshd.Config) {
		c.Command = func(ctx context.Context, _ ssh.Session, m model.Member, _ []string) int {
			cm, _ := sshd.MemberFrom(ctx)
			got <- cm
			return 0
		}
	})
	ts.run(ts.mustDial(ts.ownerID), "x")
	if m := <-got; m.ID != ts.owner.ID {
		t.Errorf("context carries %q, want Ana", m.ID)
	}
}
