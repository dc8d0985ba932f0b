package sshd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/model"
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
	in          *input
	member      model.Member
	fingerprint string
	log         *slog.Logger

	ctx    context.Context // ends when the session does
	cancel context.CancelFunc

	once   sync.Once
	mu     sync.Mutex
	reason string // what the member is told when the server ends the session
	why    string // end* constant, for the logs
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
	defer func() {
		if r := recover(); r != nil {
			log.Error("ssh session panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprint(sess.Stderr(), "\r\napikeys: internal error; this session has ended. The server is still running.\r\n")
			_ = sess.Exit(1)
		}
	}()

	key := sess.PublicKey()
	if key == nil { // can't happen with public-key auth only; refuse all the same
		refuse(sess, "Sign in with an SSH key.")
		return
	}
	fp := gossh.FingerprintSHA256(key)
	m, err := s.member(sess.Context(), fp)
	if err != nil {
		log.Info("ssh session refused", "fingerprint", fp, "err", err)
		refuse(sess, model.Sanitize(err.Error()))
		return
	}
	log = log.With("member", m.ID, "email", m.Email, "fingerprint", fp)
	sess.Context().SetValue(ctxMember, m)
	sess.Context().SetValue(ctxFingerprint, fp)

	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	ls := &session{Session: sess, member: m, fingerprint: fp, log: log, ctx: ctx, cancel: cancel}
	if refusal := s.register(ls); refusal != "" {
		s.refusedSession(refusal)
		log.Warn("ssh session refused", "reason", refusal)
		refuse(sess, refusal)
		return
	}
	defer s.unregister(ls)
	// The audit write waits its turn behind every other write and an fsync: in
	// a burst of sign-ins it was most of the time to the first frame. A TUI
	// draws its frame meanwhile but reads and does nothing until it is written
	// (see gate); a command or the hint waits for it as before.
	audit := s.recordSession(sess, m, fp)
	defer audit.wait()
	ls.in = newInput(sess, ctx.Done(), start)
	if s.cfg.IdleTimeout > 0 {
		go s.watchIdle(ls)
	}

	_, windows, tty := sess.Pty()
	programs := make(chan *tea.Program, 1)
	if tty {
		go forwardWindows(windows, programs)
	}
	args := sess.Command()
	kind := "tui"
	switch {
	case len(args) > 0:
		kind = "command"
		log = log.With("command", commandName(args))
	case !tty:
		kind = "hint"
	}
	if kind != "tui" {
		if err := audit.wait(); err != nil {
			log.Error("ssh session refused: can't write the audit event", "err", err)
			refuse(sess, auditMessage)
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
		code = s.runTUI(ls, programs, audit)
	default:
		fmt.Fprintf(sess.Stderr(), "apikeys: run `ssh -t -p %s <host>` for the TUI, or pass a command such as `keys list`.\n", localPort(sess.LocalAddr()))
		code = 1
	}
	why, reason := ls.ended()
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

// member is the active member of the key of fingerprint fp: the one sign-in
// found moments ago (a member deactivated since is caught by the session watch
// and refused by the backend on every call), else read now.
func (s *Server) member(ctx ssh.Context, fp string) (model.Member, error) {
	if m, ok := ctx.Value(acceptedKey{fp}).(model.Member); ok {
		return m, nil
	}
	return s.b.MemberBySSHKey(ctx, fp)
}

// refuse tells the client why no session opens and exits 1.
func refuse(sess ssh.Session, msg string) {
	fmt.Fprintf(sess.Stderr(), "apikeys: %s\r\n", msg)
	_ = sess.Exit(1)
}

// watchIdle ends the session once the client has sent nothing for IdleTimeout.
func (s *Server) watchIdle(ls *session) {
	t := time.NewTimer(s.cfg.IdleTimeout)
	defer t.Stop()
	for {
		select {
		case <-ls.ctx.Done():
			return
		case <-t.C:
			expired, left := idleFor(ls.in.lastInput(), time.Now(), s.cfg.IdleTimeout)
			if expired {
				ls.end(endIdle, idleMessage(s.cfg.IdleTimeout))
				return
			}
			t.Reset(left)
		}
	}
}

// commandName is what the logs say was run: the leading words of the command
// line, never flag values or arguments, which could be anything a member typed.
func commandName(args []string) string {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(words) == 2 {
			break
		}
		words = append(words, model.Sanitize(a))
	}
	if len(words) == 0 {
		return "(flags only)"
	}
	return strings.Join(words, " ")
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
