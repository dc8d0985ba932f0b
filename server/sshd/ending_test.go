package sshd_test

import (
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/server/sshd"
)

// A shutdown tells the TUI; one holding a secret keeps its session (and the
// server) until it lets go, then the member is told why it ended.
func TestShutdownWaitsForATUIHoldingASecret(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.ShutdownTimeout = time.Minute })
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("holding false")
	term.send("h")
	term.waitFor("holding true")
	ts.cancel()
	term.waitFor("told [shutting down, ends within 58s]")
	term.send("x") // still running: keys still arrive
	term.waitFor("keys [hx]")
	select {
	case err := <-ts.served:
		t.Fatalf("the server stopped while a session held a secret: %v", err)
	default:
	}
	term.send("r")
	if code := term.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(term.out.String(), "shutting down") {
		t.Errorf("the member was not told why the session ended: %q", term.out.String())
	}
	if err := <-ts.served; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	ts.served <- nil // for the cleanup
}

// A TUI holding nothing ends at once when told; one that holds on past the
// timeout is ended with the reason.
func TestShutdownEndsTUIs(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.ShutdownTimeout = 400 * time.Millisecond })
	free := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	free.waitFor("holding false")
	held := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	held.waitFor("holding false")
	held.send("h")
	held.waitFor("holding true")
	ts.cancel()
	for _, term := range []*terminal{free, held} {
		if code := term.wait(); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(term.out.String(), "shutting down") {
			t.Errorf("the member was not told why the session ended: %q", term.out.String())
		}
	}
	held.waitFor("told [shutting down")
}

// The idle timeout warns the TUI ahead, then ends the session.
func TestIdleTimeoutWarnsFirst(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.IdleTimeout = 600 * time.Millisecond })
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("told [idle warning]")
	if code := term.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(term.out.String(), "No keystroke for") {
		t.Errorf("the member was not told why the session ended: %q", term.out.String())
	}
}

// A SIGHUP reload of --idle-timeout reaches sessions that start afterwards,
// through SetIdleTimeout: under the configured hour this one would never end.
func TestSetIdleTimeoutAppliesToNewSessions(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.IdleTimeout = time.Hour })
	ts.srv.SetIdleTimeout(600 * time.Millisecond)
	term := ts.openTerminal(ts.mustDial(ts.ownerID), nil, "")
	term.waitFor("told [idle warning]")
	if code := term.wait(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}
