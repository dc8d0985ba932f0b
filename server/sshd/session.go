package sshd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// Why a session was ended by the server, for the logs.
const (
	endIdle        = "idle"
	endShutdown    = "shutdown"
	endDeactivated = "deactivated"
	endKeyRemoved  = "key_removed"
	endGone        = "member_removed"
	endAuditFailed = "audit_failed"
)

const (
	shutdownMessage = "The server is shutting down; reconnect in a moment."
	auditMessage    = "The server could not record this session in the audit log; try again shortly."
)

// auditWrite is the session's SshSessionStarted event being written.
type auditWrite struct {
	done chan struct{}
	err  error // set before done is closed
}

// recordSession starts writing the session's audit event. It uses the
// connection's context, not the session's: a shutdown that ends the session at
// this moment must not make the audit write fail.
func (s *Server) recordSession(sess ssh.Session, m model.Member, fp string) *auditWrite {
	a := &auditWrite{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.err = s.b.RecordSSHSession(sess.Context(), m, fp, remoteHost(sess.RemoteAddr()))
	}()
	return a
}

// wait blocks until the event is written and says whether it was.
func (a *auditWrite) wait() error {
	<-a.done
	return a.err
}

// forceCloseAfter is how long a session that was told to end may take to wind
// down before its channel is closed under it.
const forceCloseAfter = 3 * time.Second

// session is one SSH session of a signed-in member. It is the ssh.Session handed
// to the TUI and Command handlers, with the client's input read through the
// keystroke clock.
type session struct {
	ssh.Session
	in     *input
	member model.Member
	log    *slog.Logger

	ctx    context.Context // ends when the session does
	cancel context.CancelFunc

	once    sync.Once
	mu      sync.Mutex
	reason  string       // what the member is told when the server ends the session
	why     string       // end* constant, for the logs
	program *tea.Program // the TUI, once running: told of a shutdown or idle end ahead
}

// tell sends msg to the session's TUI without waiting, and reports whether
// there is one to tell. A TUI that has ended takes nothing: Send returns when
// the session's context does.
func (ls *session) tell(msg tea.Msg) bool {
	ls.mu.Lock()
	p := ls.program
	ls.mu.Unlock()
	if p == nil {
		return false
	}
	go p.Send(msg)
	return true
}

// Read is the client's input, stamped for the idle timeout.
func (ls *session) Read(p []byte) (int, error) { return ls.in.Read(p) }

// end stops the session: the TUI or command sees its context end, the member is
// told reason, and the channel is closed if it does not wind down in time.
func (ls *session) end(why, reason string) {
	ls.once.Do(func() {
		ls.mu.Lock()
		ls.why, ls.reason = why, reason
		ls.mu.Unlock()
		ls.log.Info("ssh session ending", "why", why)
		ls.cancel()
		time.AfterFunc(forceCloseAfter, func() { _ = ls.Session.Close() })
	})
}

func (ls *session) ended() (why, reason string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.why, ls.reason
}

// handle runs one SSH session from sign-in to exit status.
func (s *Server) handle(sess ssh.Session) {
	s.handlers.Add(1)
	defer s.handlers.Done()
	start := time.Now()
	log := s.log.With("remote", sess.RemoteAddr().String(), "ssh_session", shortID(sess.Context().SessionID()))
	if c := connFrom(sess.Context()); c != nil && c.proxy != "" {
		log = log.With("proxy", c.proxy)
	}
	defer func() {
		if r := recover(); r != nil {
			log.Error("ssh session panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprint(sess.Stderr(), "\r\napikeys: internal error; this session has ended. The server is still running.\r\n")
			_ = sess.Exit(1)
		}
	}()

	c := connFrom(sess.Context())
	if c == nil || sess.PublicKey() == nil { // can't happen with public-key auth only; refuse all the same
		refuse(sess, "Sign in with an SSH key.")
		return
	}
	// Every session re-reads its member: one deactivated, or whose key was
	// removed, since the connection signed in gets no session, and the
	// connection ends.
	m, fp, why, reason, err := c.recheck(sess.Context())
	switch {
	case why != "":
		log.Info("ssh session refused", "fingerprint", fp, "why", why)
		refuse(sess, reason)
		c.revoke(why, reason)
		return
	case err != nil:
		log.Error("ssh session refused: member check failed", "fingerprint", fp, "err", err)
		refuse(sess, "The server could not check your account; try again shortly.")
		return
	}
	log = log.With("member", m.ID, "email", m.Email, "fingerprint", fp)
	sess.Context().SetValue(ctxMember, m)
	sess.Context().SetValue(ctxFingerprint, fp)

	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	ls := &session{Session: sess, member: m, log: log, ctx: ctx, cancel: cancel}
	if !c.startSession(ls) {
		refuse(sess, "This connection has ended.")
		return
	}
	defer c.endSession(ls) // deferred first, so it runs after the exit status is sent
	if refusal := s.register(ls); refusal != "" {
		s.refusedSession(refusal)
		log.Warn("ssh session refused", "reason", refusal)
		refuse(sess, refusal)
		return
	}
	defer s.unregister(ls)
	var args []string
	if raw := sess.RawCommand(); raw != "" {
		if args, err = splitCommandLine(raw); err != nil {
			log.Info("ssh session refused: bad command line", "err", err, "bytes", len(raw))
			refuse(sess, commandLineMessage(err))
			return
		}
	}
	// The audit write waits its turn behind every other write and an fsync: in
	// a burst of sign-ins it was most of the time to the first frame. A TUI
	// draws its frame meanwhile but reads and does nothing until it is written
	// (see gate); a command or the hint waits for it as before.
	audit := s.recordSession(sess, m, fp)
	defer audit.wait()
	ls.in = newInput(sess, ctx.Done(), start)
	if idle := time.Duration(s.idle.Load()); idle > 0 {
		go s.watchIdle(ls, idle)
	}

	_, windows, tty := sess.Pty()
	programs := make(chan *tea.Program, 1)
	if tty {
		go forwardWindows(windows, programs)
	}
	kind := "tui"
	switch {
	case len(args) > 0:
		kind = "command"
		log = log.With("command", commandName(args, s.cfg.CommandWords))
	case !tty:
		kind = "hint"
	}
	if kind != "tui" {
		if err := audit.wait(); err != nil {
			s.auditFailed(ls, c, err)
			refuse(sess, auditRefusal(err))
			return
		}
	}
	log.Info("ssh session started", "kind", kind, "tty", tty)

	var code int
	switch {
	case ctx.Err() != nil:
		// Ended (by a shutdown) before it began; the reason is printed below.
	case kind == "command":
		code = s.cfg.Command(ctx, ls, m, args)
	case kind == "tui":
		code = s.runTUI(ls, c, programs, audit)
	default:
		fmt.Fprintf(sess.Stderr(), "apikeys: run `ssh -t -p %s <host>` for the TUI, or pass a command such as `keys list`.\n", localPort(sess.LocalAddr()))
		code = 1
	}
	why, reason = ls.ended()
	if reason != "" {
		fmt.Fprintf(sess.Stderr(), "\r\napikeys: %s\r\n", reason)
		code = 1
	}
	attrs := []any{"kind", kind, "exit", code, "duration", time.Since(start).Round(time.Millisecond)}
	if why != "" {
		attrs = append(attrs, "why", why)
	}
	log.Info("ssh session ended", attrs...)
	_ = sess.Exit(code)
}

// auditFailed logs why a session's audit event was not written; a member
// deactivated (or a key removed) at that very moment also ends the connection.
func (s *Server) auditFailed(ls *session, c *conn, err error) {
	if model.KindOf(err) == model.KindUnauthenticated {
		ls.log.Info("ssh session refused: the member may no longer sign in", "err", err)
		c.revoke(endDeactivated, model.Sanitize(err.Error()))
		return
	}
	ls.log.Error("ssh session refused: can't write the audit event", "err", err)
}

// auditRefusal is what the member is told when the audit event was not written.
func auditRefusal(err error) string {
	if model.KindOf(err) == model.KindUnauthenticated {
		return model.Sanitize(err.Error())
	}
	return auditMessage
}

// refuse tells the client why no session opens and exits 1.
func refuse(sess ssh.Session, msg string) {
	fmt.Fprintf(sess.Stderr(), "apikeys: %s\r\n", msg)
	_ = sess.Exit(1)
}

// idleWarning is how long before the idle timeout a TUI is warned (half the
// timeout when that is shorter).
const idleWarning = time.Minute

// watchIdle ends the session once the client has sent nothing for idle, and
// warns a TUI idleWarning ahead; a keystroke since starts the clock again.
func (s *Server) watchIdle(ls *session, idle time.Duration) {
	lead := min(idleWarning, idle/2)
	t := time.NewTimer(idle - lead)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-ls.ctx.Done():
			return
		case <-t.C:
			expired, left := idleFor(ls.in.lastInput(), time.Now(), idle)
			switch {
			case expired:
				ls.end(endIdle, idleMessage(idle))
				return
			case left > lead:
				warned = false
				t.Reset(left - lead)
			case !warned:
				warned = true
				ls.tell(app.IdleWarning{Left: left})
				t.Reset(left)
			default:
				t.Reset(left)
			}
		}
	}
}

func remoteHost(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	return a.String()
}

func localPort(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return fmt.Sprint(tcp.Port)
	}
	return "23234"
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
