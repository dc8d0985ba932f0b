// Package sshd is the SSH server of `apikeys serve`: public-key sign-in against the
// workspace's active members, one TUI or one command per session, and the limits
// that keep a shared server usable (keystroke idle timeout, a session cap, a
// per-address connection rate). What runs inside a session is injected (Config.TUI
// and Config.Command), so this package depends on the backend only.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Defaults of Config.
const (
	DefaultAddr            = ":23234"
	DefaultIdleTimeout     = 15 * time.Minute
	DefaultMaxSessions     = 100
	DefaultPerAddrRate     = 60 // connections per client address per minute
	DefaultWatchInterval   = time.Second
	DefaultShutdownTimeout = 10 * time.Second
	DefaultLoginGrace      = 30 * time.Second
)

// Config builds a Server. Zero values take the defaults.
type Config struct {
	Backend *backend.Backend
	// Addr is where ListenAndServe listens; "" → ":23234".
	Addr string
	// HostKeyPath is the server's ed25519 host key, made on first start (0600).
	// Required: the server never invents a path, so a key never lands in the
	// working directory.
	HostKeyPath string
	// IdleTimeout ends a session this long after the member's last keystroke;
	// output (a spinner, a clock) does not count. 0 → 15 minutes; negative → never.
	IdleTimeout time.Duration
	// MaxSessions caps concurrent sessions; 0 → 100.
	MaxSessions int
	// PerAddrRate caps new connections per client address per minute; 0 → 60,
	// negative → no limit.
	PerAddrRate int
	// WatchInterval is how often open sessions are checked against the store, so
	// that a deactivated member or a removed key ends them; 0 → 1 second.
	WatchInterval time.Duration
	// ShutdownTimeout bounds a graceful shutdown; 0 → 10 seconds.
	ShutdownTimeout time.Duration
	// LoginGrace is how long a connection may take to authenticate; 0 → 30 s.
	LoginGrace time.Duration

	// TUI builds the terminal UI for a session with a PTY and no command. r is the
	// session's own renderer (the client's colours, NO_COLOR honoured): every
	// style must come from it. ctx ends with the session. s is the session to use
	// for output such as OSC 52.
	TUI func(ctx context.Context, s ssh.Session, m model.Member, r *lipgloss.Renderer) (tea.Model, error)
	// Command runs a command line as member m: input from s, output to s and
	// s.Stderr(); it returns the exit status. ctx ends with the session.
	Command func(ctx context.Context, s ssh.Session, m model.Member, args []string) int

	// Observer, if set, hears each refused connection or session (metrics).
	Observer Observer

	// Logger receives structured logs (connections, members, fingerprints,
	// commands, durations; never a secret); nil discards.
	Logger *slog.Logger
}

// Server is the SSH server. Build it with New; it serves once.
type Server struct {
	cfg     Config
	b       *backend.Backend
	log     *slog.Logger
	ssh     *ssh.Server
	limiter *addrLimiter

	conns    atomic.Int64 // open connections, authenticated or not
	maxConns int64

	mu       sync.Mutex
	live     map[*session]struct{}
	closing  bool
	handlers sync.WaitGroup // running session handlers
}

// New builds a Server and loads its host key, creating it on first start.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("sshd: a backend is required")
	}
	if cfg.TUI == nil || cfg.Command == nil {
		return nil, errors.New("sshd: TUI and Command handlers are required")
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.PerAddrRate == 0 {
		cfg.PerAddrRate = DefaultPerAddrRate
	}
	if cfg.WatchInterval <= 0 {
		cfg.WatchInterval = DefaultWatchInterval
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.LoginGrace <= 0 {
		cfg.LoginGrace = DefaultLoginGrace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	signer, err := loadOrCreateHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, b: cfg.Backend, log: cfg.Logger,
		live: map[*session]struct{}{},
		// Connections that never open a session (or are still in their
		// handshake) are bounded too; the session cap speaks first.
		maxConns: int64(2*cfg.MaxSessions + 16),
	}
	if cfg.PerAddrRate > 0 {
		s.limiter = newAddrLimiter(cfg.PerAddrRate, time.Minute, 65536)
	}
	s.ssh = &ssh.Server{
		Addr:    cfg.Addr,
		Version: "apikeys",
		// Public keys only: with no password or keyboard-interactive handler the
		// SSH library offers neither method.
		PublicKeyHandler:         s.publicKey,
		BannerHandler:            s.banner,
		ConnCallback:             s.connCallback,
		ConnectionFailedCallback: s.connFailed,
		Handler:                  s.handle,
	}
	s.ssh.AddHostKey(signer)
	return s, nil
}

// ListenAndServe listens on Config.Addr and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("ssh: listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve answers SSH on ln until ctx is done, then shuts down: it stops accepting,
// tells every open session that the server is shutting down and ends it, and
// closes what is left after Config.ShutdownTimeout. A clean shutdown returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.log.Info("ssh server listening", "addr", ln.Addr().String())
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go s.watch(watchCtx)

	served := make(chan error, 1)
	go func() { served <- s.ssh.Serve(ln) }()
	select {
	case err := <-served:
		// The listener failed on its own: end what is open, report why.
		s.shutdown()
		return fmt.Errorf("ssh: serve: %w", err)
	case <-ctx.Done():
	}
	ln.Close()
	<-served
	return s.shutdown()
}

// shutdown ends every session with a message, waits for their handlers within
// ShutdownTimeout, then closes every connection.
func (s *Server) shutdown() error {
	s.mu.Lock()
	s.closing = true
	open := make([]*session, 0, len(s.live))
	for ls := range s.live {
		open = append(open, ls)
	}
	s.mu.Unlock()
	s.log.Info("ssh server shutting down", "sessions", len(open))
	for _, ls := range open {
		ls.end(endShutdown, shutdownMessage)
	}
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	var err error
	select {
	case <-done:
		// Give clients a moment to read the exit status and hang up themselves,
		// so they don't report a connection "closed by remote host".
		s.waitConns(min(time.Until(deadline), time.Second))
	case <-time.After(time.Until(deadline)):
		err = fmt.Errorf("ssh: %d session(s) still running after %s; closed", s.liveCount(), s.cfg.ShutdownTimeout)
	}
	_ = s.ssh.Close()
	s.log.Info("ssh server stopped")
	return err
}

// waitConns waits up to d for every connection to close.
func (s *Server) waitConns(d time.Duration) {
	end := time.After(d)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for s.conns.Load() > 0 {
		select {
		case <-end:
			return
		case <-poll.C:
		}
	}
}

// register adds a session to the live set, or says why it can't open: the
// server is closing or at its session cap.
func (s *Server) register(ls *session) (refusal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return shutdownMessage
	case len(s.live) >= s.cfg.MaxSessions:
		return capMessage(s.cfg.MaxSessions)
	}
	s.live[ls] = struct{}{}
	return ""
}

func (s *Server) unregister(ls *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, ls)
}

func (s *Server) liveCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// Sessions is how many sessions are open now.
func (s *Server) Sessions() int { return s.liveCount() }
