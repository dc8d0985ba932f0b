package sshd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

// sizeTUI reports every size that reaches the TUI: the PTY the session was
// built with, then each WindowSizeMsg.
type sizeTUI struct{ sizes chan string }

func (st sizeTUI) build(_ context.Context, s ssh.Session, _ model.Member, _ *lipgloss.Renderer) (tea.Model, error) {
	pty, _, _ := s.Pty()
	st.sizes <- fmt.Sprintf("pty %dx%d", pty.Window.Width, pty.Window.Height)
	return st, nil
}
func (st sizeTUI) Init() tea.Cmd { return nil }
func (st sizeTUI) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		st.sizes <- fmt.Sprintf("msg %dx%d", m.Width, m.Height)
	}
	return st, nil
}
func (st sizeTUI) View() string { return "sizes\n" }

func nextSize(t *testing.T, sizes <-chan string) string {
	t.Helper()
	select {
	case s := <-sizes:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("no size reached the TUI")
		return ""
	}
}

// TestTerminalSizesAreClamped: one packet of 30000×30000 killed the server.
// Whatever size the client sends, the TUI sees at most 1000×500.
func TestTerminalSizesAreClamped(t *testing.T) {
	st := sizeTUI{sizes: make(chan string, 64)}
	ts := startServer(t, func(c *sshd.Config) { c.TUI = st.build })
	s, err := ts.mustDial(ts.ownerID).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm", 30000, 30000, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, _ := s.StdinPipe()
	term := &terminal{t: t, s: s, stdin: stdin}
	stdout, _ := s.StdoutPipe()
	go term.read(stdout)
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	if got := nextSize(t, st.sizes); got != "pty 1000x500" {
		t.Errorf("the TUI was built for %s, want pty 1000x500", got)
	}
	if got := nextSize(t, st.sizes); got != "msg 1000x500" {
		t.Errorf("first size message %s, want msg 1000x500", got)
	}
	for _, wc := range []struct {
		cols, rows uint32
		want       string
	}{
		{30000, 30000, ""}, // clamped to the size it has: nothing new to tell
		{0, 0, ""},         // no size: ignored
		{120, 40, "msg 120x40"},
		{1<<32 - 1, 30, "msg 1000x30"},
		{30, 1<<32 - 1, "msg 30x500"},
	} {
		windowChange(t, s, wc.cols, wc.rows)
		if wc.want == "" {
			continue
		}
		if got := nextSize(t, st.sizes); got != wc.want {
			t.Errorf("window-change %dx%d: the TUI got %s, want %s", wc.cols, wc.rows, got, wc.want)
		}
	}
	select {
	case extra := <-st.sizes:
		t.Errorf("an unexpected size reached the TUI: %s", extra)
	default:
	}
}

func windowChange(t *testing.T, s *gossh.Session, cols, rows uint32) {
	t.Helper()
	payload := gossh.Marshal(&struct{ Cols, Rows, Wpx, Hpx uint32 }{cols, rows, 0, 0})
	if _, err := s.SendRequest("window-change", false, payload); err != nil {
		t.Fatal(err)
	}
}

// dialFrom opens a TCP connection to the server from a loopback address of
// its own (127.0.0.2, …), as a client on another machine would.
func dialFrom(t *testing.T, ts *testServer, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitTimeout}
	c, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosed waits until the server closes c, and returns the first line it
// sent (its SSH version, or why it turned c away).
func waitClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitTimeout))
	data, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection; it sent %q", data)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(line)
}

// dialSSHFrom signs in as id from a loopback address of its own.
func dialSSHFrom(ts *testServer, ip string, id identity) (*gossh.Client, error) {
	return dialWithHeader(ts, ip, nil, id)
}

func TestConnectionsThatDontSignInAreClosed(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.LoginGrace = 200 * time.Millisecond })
	silent := dialFrom(t, ts, "127.0.0.1")
	if line := waitClosed(t, silent); !strings.HasPrefix(line, "SSH-2.0-apikeys") {
		t.Errorf("silent connection: got %q before the close", line)
	}
	// A client that starts the handshake and never finishes it.
	stalled := dialFrom(t, ts, "127.0.0.1")
	io.WriteString(stalled, "SSH-2.0-OpenSSH_9.6\r\n")
	waitClosed(t, stalled)
	if sshd.DefaultLoginGrace != 10*time.Second {
		t.Errorf("default sign-in deadline %v, want 10s", sshd.DefaultLoginGrace)
	}
}

// TestIdleFloodDoesNotLockMembersOut: TCP connections that send nothing, from
// a few addresses, held every place (216 of them locked members out). Now each
// address may hold only a few, and the rest of the server stays open.
func TestIdleFloodDoesNotLockMembersOut(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) {
		c.MaxSessions = 2 // the old connection cap was 2*MaxSessions+16: 20
		c.MaxPendingPerAddr = 3
		c.Startups = sshd.Startups{Start: 40, Rate: 30, Full: 80}
		c.LoginGrace = time.Hour // the flood is held open for the whole test
	})
	var refused []string
	for a := 2; a <= 8; a++ {
		ip := fmt.Sprintf("127.0.0.%d", a)
		for range 3 {
			dialFrom(t, ts, ip)
		}
		eventually(t, "the flood to be counted", func() bool { _, p := ts.srv.Connections(); return p == 3*(a-1) })
		// The fourth from the same address is turned away, and told why.
		refused = append(refused, waitClosed(t, dialFrom(t, ts, ip)))
	}
	for _, line := range refused {
		if !strings.Contains(line, "too many connections from 127.0.0.") || !strings.Contains(line, "waiting to sign in (at most 3)") {
			t.Errorf("a refused connection was told %q", line)
		}
	}
	// 21 idle connections are held open; members still get in.
	for i := range 3 {
		c, err := dialSSHFrom(ts, "127.0.0.20", ts.ownerID)
		if err != nil {
			t.Fatalf("sign-in %d during the flood: %v", i, err)
		}
		if _, _, code := ts.run(c, "whoami"); code != 0 {
			t.Errorf("whoami during the flood: exit %d", code)
		}
		c.Close()
	}
}

// TestEarlyDropIsRandomAndInjectable drives MaxStartups with a scripted random
// source: below start nothing is dropped, then a connection is dropped when the
// random number falls under the drop probability.
func TestEarlyDropIsRandomAndInjectable(t *testing.T) {
	var (
		mu    sync.Mutex
		rolls = []float64{0.99, 0.10} // first survives 30%+, second doesn't
	)
	ts := startServer(t, func(c *sshd.Config) {
		c.MaxPendingPerAddr = -1
		c.Startups = sshd.Startups{Start: 2, Rate: 30, Full: 10}
		c.LoginGrace = time.Hour
		c.Random = func() float64 {
			mu.Lock()
			defer mu.Unlock()
			r := rolls[0]
			rolls = rolls[1:]
			return r
		}
	})
	for i := range 2 {
		dialFrom(t, ts, "127.0.0.2")
		eventually(t, "the connection to be pending", func() bool { _, p := ts.srv.Connections(); return p == i+1 })
	}
	kept := dialFrom(t, ts, "127.0.0.3")
	eventually(t, "the third to be kept", func() bool { _, p := ts.srv.Connections(); return p == 3 })
	if line := waitClosed(t, dialFrom(t, ts, "127.0.0.4")); !strings.Contains(line, "too many connections waiting to sign in") {
		t.Errorf("dropped connection was told %q", line)
	}
	_ = kept
}

func TestSignedInConnectionWithNoSessionCloses(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) {
		// Long enough that the test's own session, opened right after
		// sign-in, starts before it runs out even under -race on a busy machine.
		c.NoSessionTimeout = 2 * time.Second
		c.TUI = standInTUI(10 * time.Millisecond)
	})
	idle := ts.mustDial(ts.ownerID)
	closed := make(chan error, 1)
	go func() { closed <- idle.Wait() }()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("a signed-in connection with no session stayed open")
	}
	// A connection with a running session stays, however long it runs, and
	// gets the whole timeout again once its session ends.
	busy := ts.mustDial(ts.ownerID)
	term := ts.openTerminal(busy, nil, "")
	term.waitFor("Ana Owner")
	go func() { closed <- busy.Wait() }()
	term.waitForTick(250) // at least 2.5 s of a running session
	select {
	case err := <-closed:
		t.Fatalf("the connection closed under a running session: %v", err)
	default:
	}
	term.send("q")
	term.wait()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("the connection stayed open after its session ended")
	}
	if sshd.DefaultNoSessionTimeout != time.Minute {
		t.Errorf("default %v, want a minute", sshd.DefaultNoSessionTimeout)
	}
}

// TestDeactivationClosesConnections: an authenticated connection with no
// session survived deactivation and could open a session afterwards, which was
// recorded (SshSessionStarted after UserDeactivated).
func TestDeactivationClosesConnections(t *testing.T) {
	ts := startServer(t, nil)
	bo, boID := ts.addMember("Bo Builder", "bo@example.com", model.Builder)
	idle := ts.mustDial(boID)
	withSession := ts.mustDial(boID)
	term := ts.openTerminal(withSession, nil, "")
	term.waitFor("Bo Builder")
	if _, err := ts.ownerSession().Deactivate(context.Background(), bo.Email, 0); err != nil {
		t.Fatal(err)
	}
	term.waitFor("Your account was deactivated")
	for name, c := range map[string]*gossh.Client{"idle": idle, "with a session": withSession} {
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Errorf("the %s connection of a deactivated member stayed open", name)
		}
	}
}

// TestNoSessionOpensAfterDeactivation opens a session on a connection made
// before the member was deactivated, before the watch notices: the session
// re-checks the member and no SshSessionStarted is recorded.
func TestNoSessionOpensAfterDeactivation(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.WatchInterval = time.Hour })
	bo, boID := ts.addMember("Bo Builder", "bo@example.com", model.Builder)
	c := ts.mustDial(boID)
	if _, err := ts.ownerSession().Deactivate(context.Background(), bo.Email, 0); err != nil {
		t.Fatal(err)
	}
	if s, err := c.NewSession(); err == nil {
		var out strings.Builder
		s.Stderr = &out
		err = s.Run("whoami")
		t.Errorf("a deactivated member opened a session: %v %q", err, out.String())
	} else if !strings.Contains(err.Error(), "deactivated") && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		// EOF or a closed connection: the change feed told the server first,
		// and it closed the connection before the session was asked for.
		t.Errorf("refusal %q does not say why", err)
	}
	page, err := ts.ownerSession().ListEvents(context.Background(), backend.EventFilter{Types: []model.EventType{model.EventSshSessionStarted}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Events {
		if e.Actor.ID == bo.ID {
			t.Errorf("an SshSessionStarted was recorded for the deactivated member: %+v", e)
		}
	}
	// Nor can the write itself record it, whoever asks.
	if err := ts.b.RecordSSHSession(context.Background(), bo, boID.fp, "127.0.0.1"); model.KindOf(err) != model.KindUnauthenticated {
		t.Errorf("RecordSSHSession for a deactivated member: %v, want refused", err)
	}
	// And the connection is closed.
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Error("the connection stayed open")
	}
}

func TestKeyRemovalClosesConnections(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.WatchInterval = time.Hour })
	wes, wesID := ts.addMember("Wes Workspace", "wes@example.com", model.WorkspaceAdmin)
	spare := newIdentity(t, "wes@desktop")
	if _, err := ts.ownerSession().AddSSHKey(context.Background(), wes.Email, spare.line); err != nil {
		t.Fatal(err)
	}
	c := ts.mustDial(wesID)
	if _, err := ts.ownerSession().RemoveSSHKey(context.Background(), wes.Email, wesID.fp); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewSession(); err == nil {
		t.Error("a session opened with a removed key")
	}
	// The other key still works.
	if _, _, code := ts.run(ts.mustDial(spare), "whoami"); code != 0 {
		t.Errorf("the remaining key: exit %d", code)
	}
}

// TestEnvRequestsAreBounded: 20,000 env requests of 30 KB grew the server by a
// GiB. A session keeps at most 64 variables of at most 4 KiB each.
func TestEnvRequestsAreBounded(t *testing.T) {
	envs := make(chan []string, 1)
	ts := startServer(t, func(c *sshd.Config) {
		c.Command = func(_ context.Context, s ssh.Session, _ model.Member, _ []string) int {
			envs <- s.Environ()
			return 0
		}
	})
	s, err := ts.mustDial(ts.ownerID).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Setenv("BIG", strings.Repeat("x", 30_000)); err == nil {
		t.Error("a 30 KB variable was accepted")
	}
	accepted := 0
	for i := range 200 {
		if s.Setenv(fmt.Sprintf("V%d", i), "1") == nil {
			accepted++
		}
	}
	if accepted != 64 {
		t.Errorf("%d of 200 variables accepted, want 64", accepted)
	}
	if err := s.Run("whoami"); err != nil {
		t.Fatal(err)
	}
	if got := <-envs; len(got) != 64 {
		t.Errorf("the session kept %d variables, want 64", len(got))
	}
}

// TestChannelsPerConnectionAreBounded: 50,000 session channels on one
// connection grew the server by 330 MiB. Ten may be open at once.
func TestChannelsPerConnectionAreBounded(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	var open []*gossh.Session
	for range 10 {
		s, err := c.NewSession()
		if err != nil {
			t.Fatalf("channel %d: %v", len(open)+1, err)
		}
		open = append(open, s)
	}
	_, err := c.NewSession()
	var oce *gossh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != gossh.ResourceShortage || !strings.Contains(oce.Message, "at most 10 sessions") {
		t.Fatalf("11th channel: %v, want refused for resource shortage", err)
	}
	open[0].Close()
	eventually(t, "a channel to free up", func() bool {
		s, err := c.NewSession()
		if err == nil {
			s.Close()
		}
		return err == nil
	})
}

func TestCommandLineLimit(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	// One 200 KB word took seconds of CPU to split, and was then run.
	_, errOut, code := ts.run(c, "whoami "+strings.Repeat("a", 200_000))
	if code != 1 || !strings.Contains(errOut, "longer than 64 KiB") {
		t.Errorf("a 200 KB command line: exit %d, stderr %q", code, errOut)
	}
	out, _, code := ts.run(c, "whoami "+strings.Repeat("a", 60_000))
	if code != 0 || !strings.Contains(out, "hello Ana Owner") {
		t.Errorf("a 60 KB command line: exit %d", code)
	}
	_, errOut, code = ts.run(c, `whoami "unclosed`)
	if code != 1 || !strings.Contains(errOut, "never closed") {
		t.Errorf("an unclosed quote: exit %d, stderr %q (it used to run the words before it)", code, errOut)
	}
}
