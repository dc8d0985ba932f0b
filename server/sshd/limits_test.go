package sshd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

func TestIdleTimeoutCountsKeystrokesNotOutput(t *testing.T) {
	// The idle clock starts with the session, so everything from the SSH
	// handshake to the keystroke below must fit in it: at 600 ms a loaded
	// machine (-race, two shared cores) ended the session before "a" arrived.
	// 2 s, as TestKeystrokesKeepASessionAlive's, leaves a stall of most of
	// that to spare; the stand-in still draws some 200 times while idle.
	const idle = 2 * time.Second
	ts := startServer(t, func(c *sshd.Config) {
		c.IdleTimeout = idle
		c.TUI = standInTUI(10 * time.Millisecond) // redraws all the time, like a spinner
	})
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("Ana Owner")
	// Taken before the keystroke leaves: the server can only start its idle
	// clock after this instant, so the gap below can't undercount.
	lastKey := time.Now()
	term.send("a")
	term.waitFor("keys [a]")
	term.waitFor("No keystroke for ")
	ended := time.Now()
	if code := term.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if gap := ended.Sub(lastKey); gap < idle {
		t.Errorf("ended %v after the last keystroke, before the %v idle timeout", gap, idle)
	}
	out := term.out.String()
	if !strings.Contains(out, "tick 5") {
		t.Error("the stand-in TUI did not draw while idle; the test proves nothing")
	}
	// The screen is restored before the message, so the member can read it.
	if i, j := strings.LastIndex(out, "\x1b[?1049l"), strings.Index(out, "No keystroke"); i < 0 || i > j {
		t.Errorf("the message came before leaving the alternate screen:\n%q", out)
	}
}

func TestKeystrokesKeepASessionAlive(t *testing.T) {
	// Generous against a busy machine: a stall of most of the timeout between
	// two keystrokes would still pass.
	const idle = 2 * time.Second
	ts := startServer(t, func(c *sshd.Config) { c.IdleTimeout = idle })
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("Ana Owner")
	typing := time.NewTicker(idle / 10)
	defer typing.Stop()
	typed := ""
	var first time.Time
	for first.IsZero() || time.Since(first) < 3*idle/2 {
		term.send("x")
		if first.IsZero() {
			first = time.Now()
		}
		typed += "x"
		term.waitFor("keys [" + typed + "]")
		<-typing.C
	}
	if strings.Contains(term.out.String(), "No keystroke") {
		t.Fatalf("a member typing every %v was timed out after %v", idle/10, time.Since(first))
	}
	term.waitFor("No keystroke for 2 seconds")
}

func TestIdleTimeoutAppliesToCommandsWaitingForInput(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.IdleTimeout = 300 * time.Millisecond })
	c := ts.mustDial(ts.ownerID)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	s.Stdout, s.Stderr = &out, &errOut
	if _, err := s.StdinPipe(); err != nil { // open, silent stdin
		t.Fatal(err)
	}
	if err := s.Run("read"); err == nil {
		t.Error("a command waiting for input past the idle timeout exited 0")
	}
	if !strings.Contains(errOut.String(), "No keystroke for 300ms") {
		t.Errorf("stderr %q", errOut.String())
	}
}

func TestSessionCap(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.MaxSessions = 2 })
	c := ts.mustDial(ts.ownerID)
	first := ts.openTerminal(c, nil, "")
	first.waitFor("Ana Owner")
	second := ts.openTerminal(c, nil, "")
	second.waitFor("Ana Owner")

	_, errOut, code := ts.run(ts.mustDial(ts.ownerID), "whoami")
	if code != 1 || !strings.Contains(errOut, "limit of 2 open sessions") {
		t.Errorf("third session: exit %d stderr %q, want the cap named", code, errOut)
	}
	first.send("q")
	first.wait()
	eventually(t, "a slot to free up", func() bool { return ts.srv.Sessions() == 1 })
	if _, _, code := ts.run(ts.mustDial(ts.ownerID), "whoami"); code != 0 {
		t.Errorf("after one quit, a new session got exit %d", code)
	}
}

func TestDeactivationEndsOpenSessions(t *testing.T) {
	ts := startServer(t, nil)
	bo, boID := ts.addMember("Bo Builder", "bo@example.com", model.Builder)
	term := ts.openTerminal(ts.mustDial(boID), nil, "")
	term.waitFor("Bo Builder")
	if _, err := ts.ownerSession().Deactivate(context.Background(), bo.Email, 0); err != nil {
		t.Fatal(err)
	}
	term.waitFor("Your account was deactivated; this session has ended.")
	if code := term.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if _, err := ts.dial(boID); err == nil {
		t.Error("a deactivated member signed in again")
	}
	// Ana's own session is untouched.
	if _, _, code := ts.run(ts.mustDial(ts.ownerID), "whoami"); code != 0 {
		t.Errorf("owner's session: exit %d", code)
	}
}

func TestRemovingTheKeyEndsSessionsSignedInWithIt(t *testing.T) {
	ts := startServer(t, nil)
	wes, wesID := ts.addMember("Wes Workspace", "wes@example.com", model.WorkspaceAdmin)
	spare := newIdentity(t, "wes@desktop")
	if _, err := ts.ownerSession().AddSSHKey(context.Background(), wes.Email, spare.line); err != nil {
		t.Fatal(err)
	}
	withOld := ts.openTerminal(ts.mustDial(wesID), nil, "")
	withOld.waitFor("Wes Workspace")
	withSpare := ts.openTerminal(ts.mustDial(spare), nil, "")
	withSpare.waitFor("Wes Workspace")

	if _, err := ts.ownerSession().RemoveSSHKey(context.Background(), wes.Email, wesID.fp); err != nil {
		t.Fatal(err)
	}
	withOld.waitFor("The SSH key " + wesID.fp + " was removed from your account")
	withOld.wait()
	// The session opened with the other key goes on.
	withSpare.send("z")
	withSpare.waitFor("keys [z]")
	if strings.Contains(withSpare.out.String(), "removed") {
		t.Error("the session signed in with the remaining key was ended")
	}
}

func TestShutdownTellsOpenSessions(t *testing.T) {
	ts := startServer(t, nil)
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("Ana Owner")
	cmd := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "read")
	eventually(t, "both sessions to open", func() bool { return ts.srv.Sessions() == 2 })
	ts.cancel()
	select {
	case err := <-ts.served:
		if err != nil {
			t.Errorf("Serve: %v, want a clean shutdown", err)
		}
		ts.served <- err
	case <-time.After(waitTimeout):
		t.Fatal("Serve did not return")
	}
	for _, s := range []*terminal{term, cmd} {
		s.waitFor("The server is shutting down")
		s.wait()
	}
	if _, err := ts.dial(ts.ownerID); err == nil {
		t.Error("a connection was accepted after shutdown")
	}
}
