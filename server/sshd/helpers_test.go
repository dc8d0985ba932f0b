package sshd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// The helpers every package's tests share, by the names these tests use.
const waitTimeout = testkit.WaitTimeout

type syncBuffer = testkit.SyncBuffer

var eventually = testkit.Eventually

// identity is an SSH key pair and its authorized_keys line.
type identity struct {
	signer gossh.Signer
	line   string
	fp     string
}

func newIdentity(t *testing.T, comment string) identity {
	t.Helper()
	k := testkit.NewSSHKey(t, comment)
	return identity{signer: k.Signer, line: k.Line, fp: k.Fingerprint}
}

// testServer is an SSH server on 127.0.0.1 over a real SQLite store, with a
// primary owner (Ana) and whatever members a test adds.
type testServer struct {
	t       *testing.T
	addr    string
	b       *backend.Backend
	owner   model.Member
	ownerID identity
	logs    *syncBuffer
	srv     *sshd.Server
	cancel  context.CancelFunc
	served  chan error
}

// standInTUI is the TUI tests use: it shows who signed in, the window size, the
// keys typed, and ticks (output with no input) when asked to.
func standInTUI(tick time.Duration) func(context.Context, ssh.Session, model.Member, *lipgloss.Renderer) (tea.Model, error) {
	return func(_ context.Context, _ ssh.Session, m model.Member, r *lipgloss.Renderer) (tea.Model, error) {
		return &standIn{m: m, tick: tick, style: r.NewStyle().Foreground(lipgloss.Color("#ff5f87")).Bold(true)}, nil
	}
}

type standIn struct {
	m     model.Member
	tick  time.Duration
	ticks int
	keys  string
	w, h  int
	style lipgloss.Style
	// As the real TUI with a secret on screen: h holds one, r releases it;
	// told is what the server said about ending the session.
	holding bool
	told    string
}

type tickMsg struct{}

func (s *standIn) Init() tea.Cmd { return s.next() }

func (s *standIn) next() tea.Cmd {
	if s.tick == 0 {
		return nil
	}
	return tea.Tick(s.tick, func(time.Time) tea.Msg { return tickMsg{} })
}

func (s *standIn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		s.ticks++
		return s, s.next()
	case tea.WindowSizeMsg:
		s.w, s.h = msg.Width, msg.Height
	case app.ShuttingDown:
		s.told = "shutting down, ends within " + msg.In.String()
		if !s.holding {
			return s, tea.Quit
		}
	case app.IdleWarning:
		s.told = "idle warning"
	case tea.KeyMsg:
		switch msg.String() {
		case "h":
			s.holding = true
		case "r":
			s.holding = false
			if strings.HasPrefix(s.told, "shutting down") {
				return s, tea.Quit
			}
		case "q":
			return s, tea.Quit
		case "!":
			panic("stand-in TUI told to panic")
		}
		s.keys += msg.String()
	}
	return s, nil
}

func (s *standIn) View() string {
	return fmt.Sprintf("Signed in as %s · %s\nsize %dx%d\nkeys [%s]\ntick %d\nholding %t\ntold [%s]\n",
		s.style.Render(s.m.Name), s.m.AccountType.Label(), s.w, s.h, s.keys, s.ticks, s.holding, s.told)
}

// standInCommand echoes who ran what and exits with the status in the command
// ("exit 3"); "panic" panics.
func standInCommand(_ context.Context, s ssh.Session, m model.Member, args []string) int {
	if args[0] == "panic" {
		panic("stand-in command told to panic")
	}
	if args[0] == "read" { // echo one line of input, for the idle tests
		buf := make([]byte, 64)
		n, err := s.Read(buf)
		fmt.Fprintf(s, "read %q %v\n", buf[:n], err)
		return 0
	}
	fp, _ := sshd.FingerprintFrom(s.Context())
	fmt.Fprintf(s, "hello %s (%s) %s %s\n", m.Name, m.AccountType, strings.Join(args, "|"), fp)
	fmt.Fprintln(s.Stderr(), "to stderr")
	code := 0
	if len(args) == 2 && args[0] == "exit" {
		fmt.Sscan(args[1], &code)
	}
	return code
}

// testCommandWords is the stand-in command's tree: the words a log may show.
func testCommandWords(args []string) []string {
	tree := map[string][]string{
		"":        {"whoami", "exit", "read", "keys", "members"},
		"keys":    {"list", "create", "edit"},
		"members": {"add-ssh-key"},
	}
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if !slices.Contains(tree[strings.Join(words, " ")], a) {
			break
		}
		words = append(words, a)
	}
	return words
}

func startServer(t *testing.T, tune func(*sshd.Config)) *testServer {
	t.Helper()
	ownerID := newIdentity(t, "ana@laptop")
	ws := testkit.NewWorkspace(t, testkit.Options{RealTime: true,
		OwnerName: "Ana Owner", OwnerEmail: "ana@example.com", OwnerSSHKeys: []string{ownerID.line}})
	return startServerOn(t, ws.Backend, ws.Owner, ownerID, tune)
}

// startServerOn serves a workspace that already has its owner.
func startServerOn(t *testing.T, b *backend.Backend, owner model.Member, ownerID identity, tune func(*sshd.Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	logs := &syncBuffer{}
	cfg := sshd.Config{
		Backend:      b,
		HostKeyPath:  filepath.Join(dir, "ssh_host_ed25519"),
		TUI:          standInTUI(0),
		Command:      standInCommand,
		PerAddrRate:  -1,
		CommandWords: testCommandWords,
		// Short enough that a test waits little for the watcher.
		WatchInterval: 25 * time.Millisecond,
		Logger:        slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tune != nil {
		tune(&cfg)
	}
	srv, err := sshd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	ts := &testServer{t: t, addr: ln.Addr().String(), b: b, owner: owner, ownerID: ownerID,
		logs: logs, srv: srv, cancel: cancel, served: make(chan error, 1)}
	go func() { ts.served <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ts.served:
		case <-time.After(waitTimeout):
			t.Error("server did not stop")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return ts
}

// ownerSession acts as Ana through the backend, as an admin at another terminal
// would.
func (ts *testServer) ownerSession() *backend.Session {
	s, err := ts.b.SessionFor(context.Background(), ts.owner.ID, model.SourceCLI)
	if err != nil {
		ts.t.Fatal(err)
	}
	return s
}

// addMember adds a member with a fresh key and returns both.
func (ts *testServer) addMember(name, email string, at model.AccountType) (model.Member, identity) {
	ts.t.Helper()
	id := newIdentity(ts.t, email)
	m, err := ts.ownerSession().AddMember(context.Background(), backend.AddMemberRequest{
		Name: name, Email: email, AccountType: at, SSHKeys: []string{id.line},
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return m, id
}

func clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "anyone",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         waitTimeout,
	}
}

func (ts *testServer) dial(id identity) (*gossh.Client, error) {
	return gossh.Dial("tcp", ts.addr, clientConfig(gossh.PublicKeys(id.signer)))
}

func (ts *testServer) mustDial(id identity) *gossh.Client {
	ts.t.Helper()
	c, err := ts.dial(id)
	if err != nil {
		ts.t.Fatalf("dial: %v", err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// run runs a command and returns stdout, stderr and the exit status.
func (ts *testServer) run(c *gossh.Client, cmd string) (stdout, stderr string, code int) {
	ts.t.Helper()
	s, err := c.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	defer s.Close()
	var o, e bytes.Buffer
	s.Stdout, s.Stderr = &o, &e
	err = s.Run(cmd)
	var ee *gossh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	default:
		ts.t.Fatalf("run %q: %v (stderr %q)", cmd, err, e.String())
	}
	return o.String(), e.String(), code
}

// terminal is the client end of a session with a PTY: it collects what the
// server draws and answers the terminal queries a real terminal would.
type terminal struct {
	t      *testing.T
	s      *gossh.Session
	stdin  io.WriteCloser
	out    syncBuffer
	exited chan error
}

func (ts *testServer) openTerminal(c *gossh.Client, env map[string]string, cmd string) *terminal {
	ts.t.Helper()
	s, err := c.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range env {
		if err := s.Setenv(k, v); err != nil {
			ts.t.Fatal(err)
		}
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		ts.t.Fatal(err)
	}
	term := &terminal{t: ts.t, s: s, exited: make(chan error, 1)}
	if term.stdin, err = s.StdinPipe(); err != nil {
		ts.t.Fatal(err)
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		ts.t.Fatal(err)
	}
	s.Stderr = &term.out
	if cmd == "" {
		err = s.Shell()
	} else {
		err = s.Start(cmd)
	}
	if err != nil {
		ts.t.Fatal(err)
	}
	go term.read(stdout)
	go func() { term.exited <- s.Wait() }()
	ts.t.Cleanup(func() { s.Close() })
	return term
}

// read copies the server's output, answering the background-colour and device
// attribute queries the way xterm does.
func (term *terminal) read(r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			term.out.Write(chunk)
			if bytes.Contains(chunk, []byte("\x1b]11;?")) {
				io.WriteString(term.stdin, "\x1b]11;rgb:0000/0000/0000\x07")
			}
			if bytes.Contains(chunk, []byte("\x1b[c")) {
				io.WriteString(term.stdin, "\x1b[?62;22c")
			}
		}
		if err != nil {
			return
		}
	}
}

// waitFor waits until the output contains want.
func (term *terminal) waitFor(want string) {
	term.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(term.out.String(), want) {
		if time.Now().After(deadline) {
			term.t.Fatalf("no %q on the terminal; it shows:\n%q", want, term.out.String())
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case err := <-term.exited:
			term.exited <- err
			if !strings.Contains(term.out.String(), want) {
				term.t.Fatalf("session ended (%v) without %q; it showed:\n%q", err, want, term.out.String())
			}
		}
	}
}

// waitForTick waits until the stand-in TUI has shown tick n or a later one: the
// renderer draws at its frame rate, so some ticks never reach the screen.
func (term *terminal) waitForTick(n int) {
	term.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ticks := tickRE.FindAllStringSubmatch(term.out.String(), -1)
		if len(ticks) > 0 {
			if last, _ := strconv.Atoi(ticks[len(ticks)-1][1]); last >= n {
				return
			}
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("no tick %d or later on the terminal; it shows:\n%q", n, term.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var tickRE = regexp.MustCompile(`tick (\d+)`)

// wait waits for the session to end and returns its exit status.
func (term *terminal) wait() int {
	term.t.Helper()
	select {
	case err := <-term.exited:
		term.exited <- err
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			term.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(waitTimeout):
		term.t.Fatalf("session did not end; it shows:\n%q", term.out.String())
		return -1
	}
}

func (term *terminal) send(keys string) {
	term.t.Helper()
	if _, err := io.WriteString(term.stdin, keys); err != nil {
		term.t.Fatal(err)
	}
}
