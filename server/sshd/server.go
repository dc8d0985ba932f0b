// Package sshd is the SSH server of `apikeys serve`: public-key sign-in against the
// workspace's active members, one TUI or one command per session, and the limits
// that keep a shared server usable (keystroke idle timeout, a session cap, a
// per-address connection rate, a sign-in deadline and caps on connections still
// signing in, bounded channels and requests, clamped terminal sizes). What runs inside a session is injected (Config.TUI
// and Config.Command), so this package depends on the backend only.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/ratelimit"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// rateClients is how many client addresses the connection rate remembers.
const rateClients = 65536

// SetIdleTimeout changes the idle timeout of the sessions that start from now
// on (negative: none); open sessions keep theirs. serve calls it on SIGHUP.
func (s *Server) SetIdleTimeout(d time.Duration) {
	if d == 0 {
		d = DefaultIdleTimeout
	}
	s.idle.Store(int64(d))
}

// Defaults of Config, and DefaultAddr, where the SSH server listens unless told
// otherwise (the caller makes the listener and passes it to Serve).
const (
	DefaultAddr               = ":23234"
	DefaultIdleTimeout        = 15 * time.Minute
	DefaultMaxSessions        = 100
	DefaultPerAddrRate        = 60 // connections per client address per minute
	DefaultWatchInterval      = time.Second
	DefaultShutdownTimeout    = 10 * time.Second
	DefaultLoginGrace         = 10 * time.Second
	DefaultNoSessionTimeout   = time.Minute
	DefaultMaxPendingPerAddr  = 6
	DefaultMaxChannelsPerConn = 10
	// MaxCommandLine bounds the command line of one session (SSH's exec).
	MaxCommandLine = 64 << 10
)

// DefaultStartups is the default MaxStartups: early drop starts at 64
// connections waiting to sign in and reaches every new one at 256. With at most
// DefaultMaxPendingPerAddr per address, a flood from ten addresses stays below
// the start, so members get in; a wider one meets the random drop.
var DefaultStartups = Startups{Start: 64, Rate: 30, Full: 256}

// Config builds a Server. Zero values take the defaults.
type Config struct {
	Backend *backend.Backend
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
	// LoginGrace is how long a connection may take to authenticate; 0 → 10 s.
	LoginGrace time.Duration
	// MaxPendingPerAddr caps the connections from one client address (an IPv4
	// address or IPv6 /64) still signing in; 0 → 6, negative → no cap.
	MaxPendingPerAddr int
	// Startups is the MaxStartups random early drop of connections still
	// signing in; zero → DefaultStartups.
	Startups Startups
	// Random returns numbers in [0, 1) for the early drop; nil → math/rand.
	Random func() float64
	// NoSessionTimeout closes a signed-in connection that has had no session
	// running for this long; 0 → 1 minute.
	NoSessionTimeout time.Duration
	// MaxChannelsPerConn caps the session channels open at once on one
	// connection; 0 → 10 (as OpenSSH's MaxSessions).
	MaxChannelsPerConn int
	// CommandWords says which leading words of a command line name a command
	// (["keys", "edit"] of "keys edit apk_… --name x"): the logs show only
	// those. nil → the logs name no command word.
	CommandWords func(args []string) []string

	// TUI builds the terminal UI for a session with a PTY and no command. r is the
	// session's own renderer (the client's colours, NO_COLOR honoured): every
	// style must come from it. ctx ends with the session. s is the session to use
	// for output such as OSC 52.
	TUI func(ctx context.Context, s ssh.Session, m model.Member, r *lipgloss.Renderer) (tea.Model, error)
	// Command runs a command line as member m: input from s, output to s and
	// s.Stderr(); it returns the exit status. ctx ends with the session.
	Command func(ctx context.Context, s ssh.Session, m model.Member, args []string) int

	// ProxyProtocol (--ssh-proxy-protocol) is for a TCP load balancer that
	// sends the PROXY protocol (v1 or v2): a connection from a trusted proxy
	// must open with a header, and counts as coming from the client it names
	// (admission, rate, SshSessionStarted, logs); from anyone else a header is
	// refused and the peer is the client. It needs TrustedProxy.
	ProxyProtocol bool
	// TrustedProxy reports whether a peer is a trusted proxy (--trusted-proxy,
	// the list the HTTP API trusts too).
	TrustedProxy func(netip.Addr) bool

	// Observer, if set, hears each refused connection or session (metrics).
	Observer Observer

	// Logger receives structured logs (connections, members, fingerprints,
	// commands, durations; never a secret); nil discards.
	Logger *slog.Logger
}

// Server is the SSH server. Build it with New; it serves once.
type Server struct {
	cfg Config
	b   *backend.Backend
	log *slog.Logger
	ssh *ssh.Server
	// idle is the idle timeout new sessions get (Config.IdleTimeout, then
	// SetIdleTimeout's); a session keeps the one it started with.
	idle atomic.Int64
	// connRate limits new connections per address; rateNotices, how many of
	// those refused are told why (the rest are closed unanswered).
	connRate, rateNotices *ratelimit.Limiter
	admission             *admission

	mu       sync.Mutex
	live     map[*session]struct{}
	signedIn map[*conn]struct{}
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
	if cfg.ProxyProtocol && cfg.TrustedProxy == nil {
		return nil, errors.New("sshd: the PROXY protocol needs the trusted proxies")
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
	if cfg.MaxPendingPerAddr == 0 {
		cfg.MaxPendingPerAddr = DefaultMaxPendingPerAddr
	}
	if cfg.Startups == (Startups{}) {
		cfg.Startups = DefaultStartups
	}
	if err := cfg.Startups.validate(); err != nil {
		return nil, err
	}
	if cfg.Random == nil {
		cfg.Random = rand.Float64
	}
	if cfg.NoSessionTimeout <= 0 {
		cfg.NoSessionTimeout = DefaultNoSessionTimeout
	}
	if cfg.MaxChannelsPerConn <= 0 {
		cfg.MaxChannelsPerConn = DefaultMaxChannelsPerConn
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
		live:     map[*session]struct{}{},
		signedIn: map[*conn]struct{}{},
		admission: &admission{perAddr: max(cfg.MaxPendingPerAddr, 0), startups: cfg.Startups,
			random: cfg.Random, byAddr: map[ratelimit.Key]int{}},
	}
	s.idle.Store(int64(cfg.IdleTimeout))
	if cfg.PerAddrRate > 0 {
		s.connRate = ratelimit.New(cfg.PerAddrRate, time.Minute, rateClients, time.Now)
		s.rateNotices = ratelimit.New(cfg.PerAddrRate, time.Minute, rateClients, time.Now)
	}
	s.ssh = &ssh.Server{
		Version: "apikeys",
		// Public keys only: with no password or keyboard-interactive handler the
		// SSH library offers neither method.
		PublicKeyHandler:         s.publicKey,
		BannerHandler:            s.banner,
		ConnCallback:             s.connCallback,
		ServerConfigCallback:     s.serverConfig,
		ConnectionFailedCallback: s.connFailed,
		Handler:                  s.handle,
		// Sessions only (no forwarding, no other channel type), each through
		// the connection's checks; the library rejects global requests.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": s.sessionChannel},
		RequestHandlers: map[string]ssh.RequestHandler{},
	}
	s.ssh.AddHostKey(signer)
	return s, nil
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
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	// A TUI is told and ends itself: at once, or, with a secret not yet copied
	// on screen, once it is dealt with, within most of the timeout; the rest
	// is for restoring its screen. Anything else ends now.
	tuiWait := s.cfg.ShutdownTimeout - min(s.cfg.ShutdownTimeout/4, 2*time.Second)
	var told []*session
	for _, ls := range open {
		ls.mu.Lock()
		ls.why, ls.reason = endShutdown, shutdownMessage
		ls.mu.Unlock()
		if ls.tell(app.ShuttingDown{In: tuiWait}) {
			told = append(told, ls)
			continue
		}
		ls.end(endShutdown, shutdownMessage)
	}
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	if len(told) > 0 {
		select {
		case <-done:
		case <-time.After(tuiWait):
			for _, ls := range told {
				ls.end(endShutdown, shutdownMessage)
			}
		}
	}
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
	for n, p := s.Connections(); n+p > 0; n, p = s.Connections() {
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
