package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/certs"
	"github.com/apikeys-dev/apikeys/server/httpapi"
	"github.com/apikeys-dev/apikeys/server/metrics"
	"github.com/apikeys-dev/apikeys/server/sshd"
	"github.com/apikeys-dev/apikeys/tui"
)

// hostKeyFile is the SSH server's host key inside the data directory, made on the
// first start and kept, so that clients' known_hosts entries stay valid.
const hostKeyFile = "ssh_host_ed25519"

// serveGCPercent is the garbage collector's target while serving, unless GOGC
// is set. Session starts allocate a lot that dies young (SSH handshakes, frames,
// rows), and the live heap is small, so at the default of 100 the collector ran
// often: 10-11% of the server's CPU in a burst of 100 sign-ins. Measured with
// sshload (mean of 5 bursts): 436 -> 358 ms of server CPU per burst, first frame
// p50 ~172 -> ~157 ms; memory 0.42 -> 0.59 MiB per open session (aim: < 4 MB).
// 400 saved little more (348 ms).
const serveGCPercent = 200

// serveFlags are the options of `apikeys serve`.
type serveFlags struct {
	sshAddr, httpAddr   string
	adminKeys           []string
	adminEmail, adminNm string
	idle                time.Duration
	maxSessions         int
	connRate            int
	loginGrace          time.Duration
	startups            string
	perAddr             int
	httpRate            int
	httpWindow          time.Duration
	logFormat           string
	logLevel            string
	metricsAddr         string
	tlsCert, tlsKey     string
	trustedProxies      []string
	sshProxyProtocol    bool
	verifyToken         string

	set *pflag.FlagSet // the flags as parsed, for SIGHUP to compare the file with
}

// newServeCmd is `apikeys serve`: the SSH server (TUI and commands, one identity
// per public key) and, with --http-addr, the HTTP API, on one workspace.
func newServeCmd(a *app) *cobra.Command {
	var f serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the TUI and commands over SSH, and the HTTP API",
		Long: `serve runs the SSH server: members sign in with their SSH keys and get the
TUI (ssh -t -p 23234 HOST) or run a command (ssh -p 23234 HOST keys list --json)
as themselves. With --http-addr it also serves the HTTP API.

On an empty workspace, --initial-admin-key (or APIKEYS_INITIAL_ADMIN_KEYS) makes
the first Primary Owner: give authorized_keys lines or a file of them, e.g.
--initial-admin-key ~/.ssh/id_ed25519.pub. They then add everyone else with
` + "`members add --ssh-key`" + `. The host key is kept in the data directory.

Unless GOGC is set, serve runs Go's garbage collector at GOGC=200: a burst of
SSH sign-ins then costs about a sixth less CPU, for about 0.2 MiB more memory
per open session.`,
		Args:        exactArgs(),
		Annotations: map[string]string{localOnlyAnnotation: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.set = cmd.Flags()
			return runServe(cmd.Context(), a, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.sshAddr, "ssh-addr", sshd.DefaultAddr, "`ADDR` the SSH server listens on")
	fl.StringVar(&f.httpAddr, "http-addr", "", "`ADDR` the HTTP API listens on, such as :8080 (default off)")
	fl.StringArrayVar(&f.adminKeys, "initial-admin-key", nil, "an authorized_keys `LINE` or a file of them for the first Primary Owner of an empty workspace (repeatable; default $APIKEYS_INITIAL_ADMIN_KEYS)")
	fl.StringVar(&f.adminEmail, "initial-admin-email", "", "`EMAIL` of the first Primary Owner (default: the key's comment, such as ana@laptop)")
	fl.StringVar(&f.adminNm, "initial-admin-name", "", "`NAME` of the first Primary Owner (default: from the email)")
	fl.DurationVar(&f.idle, "idle-timeout", sshd.DefaultIdleTimeout, "end an SSH session after this long without a keystroke (0: never)")
	fl.IntVar(&f.maxSessions, "max-sessions", sshd.DefaultMaxSessions, "most SSH sessions open at once")
	fl.IntVar(&f.connRate, "ssh-conn-rate", sshd.DefaultPerAddrRate, "most new SSH connections per client address per minute (0: no limit)")
	fl.DurationVar(&f.loginGrace, "ssh-login-grace", sshd.DefaultLoginGrace, "close an SSH connection that hasn't signed in within this long")
	fl.StringVar(&f.startups, "ssh-max-startups", sshd.DefaultStartups.String(), "connections waiting to sign in, as OpenSSH's MaxStartups `START:RATE:FULL`: past START drop RATE% of new ones, rising to all at FULL")
	fl.IntVar(&f.perAddr, "ssh-max-startups-per-addr", sshd.DefaultMaxPendingPerAddr, "most connections from one address waiting to sign in (0: no limit)")
	fl.IntVar(&f.httpRate, "http-rate-limit", 500, "most HTTP API requests per client address per --http-rate-window")
	fl.DurationVar(&f.httpWindow, "http-rate-window", 5*time.Minute, "the window of --http-rate-limit")
	fl.StringVar(&f.logFormat, "log-format", "text", "log lines on stderr as `text` or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "least severe log lines written: debug, info, warn or error")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "`ADDR` serving Prometheus /metrics, /livez and /readyz, such as 127.0.0.1:9090 (default off)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `FILE` (with --tls-key; SIGHUP reloads it)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the PEM private key `FILE` of --tls-cert")
	fl.StringArrayVar(&f.trustedProxies, "trusted-proxy", nil, "a load balancer's address or `CIDR` whose X-Forwarded-For / Forwarded headers name the HTTP client (repeatable; default none: the headers are ignored)")
	fl.BoolVar(&f.sshProxyProtocol, "ssh-proxy-protocol", false, "SSH connections from a --trusted-proxy must open with a PROXY protocol v1/v2 header naming the client (from anyone else a header is refused)")
	fl.StringVar(&f.verifyToken, "verify-token", "", "a `TOKEN` that lets a verify caller sending it in X-Verify-Token give the address a key was presented from")
	// Keep this last: every flag above is a setting (environment, config file).
	markSettings(fl)
	return c
}

func runServe(ctx context.Context, a *app, f serveFlags) error {
	if f.maxSessions < 1 {
		return usagef("--max-sessions must be at least 1")
	}
	if f.idle < 0 {
		return usagef("--idle-timeout can't be negative")
	}
	if f.httpRate < 1 || f.httpWindow <= 0 {
		return usagef("--http-rate-limit must be at least 1 and --http-rate-window positive")
	}
	if f.connRate < 0 {
		return usagef("--ssh-conn-rate can't be negative")
	}
	proxies, err := parseProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	if f.sshProxyProtocol && len(proxies) == 0 {
		return usagef("--ssh-proxy-protocol needs --trusted-proxy: the load balancers that send the header")
	}
	startups, err := sshd.ParseStartups(f.startups)
	if err != nil {
		return usagef("--ssh-max-startups: %v", err)
	}
	if f.perAddr < 0 || f.loginGrace <= 0 {
		return usagef("--ssh-max-startups-per-addr must be 0 or more and --ssh-login-grace positive")
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	var cert *certs.Reloader
	if f.tlsCert != "" {
		if f.httpAddr == "" {
			return usagef("--tls-cert needs --http-addr: TLS is for the HTTP API")
		}
		if cert, err = certs.Load(f.tlsCert, f.tlsKey); err != nil {
			return err
		}
	}
	if a.env.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent))
	}
	// One write(2) per many log lines (the access log's), not one each.
	logBuf := httpapi.NewLogBuffer(a.env.stderr)
	defer logBuf.Close()
	log, err := serveLogger(logBuf, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	cfg, err := a.localConfig()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.db, cfg.dataDir)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, st.Close)
	var m *metrics.Metrics
	bcfg := backend.Config{Store: st, Clock: a.env.now, Policy: cfg.policy, Logger: log}
	if f.metricsAddr != "" {
		m = metrics.New()
		bcfg.KeyChecked = m.KeyChecked
	}
	b := backend.New(bcfg)

	if err := bootstrapAdmin(ctx, b, f, a.env.getenv, log); err != nil {
		return err
	}
	if f.httpAddr != "" {
		// Load the key index before the first request rather than during it;
		// until it is loaded, checks read the store.
		if err := b.PrepareChecks(ctx); err != nil {
			log.Warn("key index not loaded; checks read the database until it is", "err", err)
		}
	}
	srv, err := sshd.New(sshd.Config{
		Backend:     b,
		HostKeyPath: filepath.Join(cfg.dataDir, hostKeyFile),
		IdleTimeout: idleSetting(f.idle),
		MaxSessions: f.maxSessions,
		PerAddrRate: rateSetting(f.connRate),
		LoginGrace:  f.loginGrace,
		Startups:    startups,
		// 0 (no limit) is the server's "negative: none", as for the rate.
		MaxPendingPerAddr: rateSetting(f.perAddr),
		ProxyProtocol:     f.sshProxyProtocol,
		TrustedProxy:      proxies.Trusts,
		CommandWords:      sshCommandWords,
		TUI:               sshTUI(b, a.flags.noMouse),
		Command: func(ctx context.Context, s ssh.Session, m model.Member, args []string) int {
			_, _, tty := s.Pty()
			printExpiryBanner(ctx, b, m, s.Stderr())
			return runRemote(ctx, b, m, args, s, s, s.Stderr(), tty)
		},
		Observer: observer(m),
		Logger:   log,
	})
	if err != nil {
		return err
	}
	sshLn, err := net.Listen("tcp", f.sshAddr)
	if err != nil {
		return fmt.Errorf("can't listen for SSH on %s: %w", f.sshAddr, err)
	}
	var httpLn net.Listener
	if f.httpAddr != "" {
		if httpLn, err = net.Listen("tcp", f.httpAddr); err != nil {
			sshLn.Close()
			return fmt.Errorf("can't listen for HTTP on %s: %w", f.httpAddr, err)
		}
		// Logged before the SSH server starts, so whoever waits for "ssh server
		// listening" knows every address.
		attrs := []any{"addr", httpLn.Addr().String(), "tls", cert != nil}
		if cert != nil {
			leaf := cert.Current()
			attrs = append(attrs, "subject", leaf.Subject.String(), "not_after", leaf.NotAfter)
		}
		log.Info("http server listening", attrs...)
	}
	var metricsLn net.Listener
	if m != nil {
		if metricsLn, err = net.Listen("tcp", f.metricsAddr); err != nil {
			sshLn.Close()
			if httpLn != nil {
				httpLn.Close()
			}
			return fmt.Errorf("can't listen for metrics on %s: %w", f.metricsAddr, err)
		}
		log.Info("metrics server listening", "addr", metricsLn.Addr().String())
	}
	probes := httpapi.NewProbes(b, log)

	// Any server failing stops the others; a signal stops them all.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var onAttempt func(string)
	if m != nil {
		onAttempt = m.WebhookAttempt
	}
	hooksDone := startWebhooks(ctx, b, log, onAttempt)
	errs := make(chan error, 4)
	var api *httpapi.Server
	go func() { errs <- srv.Serve(ctx, sshLn) }()
	running := 1
	if httpLn != nil {
		hcfg := httpapi.Config{Backend: b, Logger: log, RateLimit: f.httpRate, RateWindow: f.httpWindow, Probes: probes,
			TrustedProxies: proxies, VerifyToken: f.verifyToken}
		if f.logFormat == "json" {
			// The access log appended by hand, as log's handler would write it.
			hcfg.AccessLogJSON = model.RedactWriter(logBuf)
		}
		if m != nil {
			hcfg.Observe = m.HTTPRequest
		}
		if cert != nil {
			hcfg.TLS = cert.TLSConfig()
		}
		api = httpapi.New(hcfg)
		go func() { errs <- api.Serve(ctx, httpLn) }()
		running++
	}
	if m != nil {
		m.WatchKeys(b)
		m.WatchSessions(srv.Sessions)
		go func() { errs <- metrics.Serve(ctx, metricsLn, m.Listener(probes, log), log) }()
		running++
	}
	go func() {
		errs <- a.reloadOnHUP(ctx, log, f, reloadTargets{cert: cert, api: api, ssh: srv})
	}()
	running++
	var first error
	for ; running > 0; running-- {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
		stop()
	}
	<-hooksDone
	if err := b.Flush(context.Background()); err != nil && first == nil {
		first = err
	}
	return first
}

// sshTUI builds the TUI for one SSH session: the member's own backend session
// (every action audited with source ssh) drawn with the session's renderer.
// sshTUI builds a session's TUI; the mouse is on unless the server (noMouse)
// or the member (APIKEYS_NO_MOUSE in the session's environment) said no.
func sshTUI(b *backend.Backend, noMouse bool) func(context.Context, ssh.Session, model.Member, *lipgloss.Renderer) (tea.Model, error) {
	return func(ctx context.Context, s ssh.Session, m model.Member, r *lipgloss.Renderer) (tea.Model, error) {
		sess, err := b.SessionFor(ctx, m.ID, model.SourceSSH)
		if err != nil {
			return nil, err
		}
		// The PTY's TERM says whether OSC 52 must get through tmux or screen.
		pty, _, _ := s.Pty()
		env := append(s.Environ(), "TERM="+pty.Term)
		mouse := !noMouse && !envTrue(s.Environ(), "APIKEYS_NO_MOUSE")
		return tui.New(tui.Options{Client: sess, Renderer: r, Output: s, Context: ctx, Environ: env, Mouse: mouse}), nil
	}
}

// envTrue reports whether environ sets name to something other than "",
// "0" or "false" (the last one set wins, as in exec).
func envTrue(environ []string, name string) bool {
	v := ""
	for _, kv := range environ {
		if s, ok := strings.CutPrefix(kv, name+"="); ok {
			v = s
		}
	}
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// bootstrapAdmin makes the first Primary Owner of an empty workspace from
// --initial-admin-key (or APIKEYS_INITIAL_ADMIN_KEYS). On a workspace that exists
// it changes nothing.
func bootstrapAdmin(ctx context.Context, b *backend.Backend, f serveFlags, getenv func(string) string, log *slog.Logger) error {
	sources := f.adminKeys
	if len(sources) == 0 {
		if v := strings.TrimSpace(getenv("APIKEYS_INITIAL_ADMIN_KEYS")); v != "" {
			sources = []string{v}
		}
	}
	lines, err := authorizedKeyLines(sources)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		if has, err := b.HasWorkspace(ctx); err == nil && !has {
			log.Warn("the workspace is empty and nobody can sign in over SSH: restart with --initial-admin-key ~/.ssh/id_ed25519.pub")
		}
		return nil
	}
	email, name, derived := initialAdmin(f, lines[0])
	owner, created, err := b.Bootstrap(ctx, workspaceName(), name, email, lines)
	if err != nil {
		return err
	}
	if !created {
		log.Info("the workspace exists; --initial-admin-key is ignored")
		return nil
	}
	log.Info("created the workspace and its first Primary Owner", "member", owner.ID, "name", owner.Name, "email", owner.Email, "ssh_keys", len(owner.SSHKeys))
	if derived {
		log.Info("the first Primary Owner was named after their SSH key's comment; --initial-admin-name and --initial-admin-email choose otherwise on an empty workspace")
	}
	return nil
}

// authorizedKeyLines reads each source as an authorized_keys line, several lines,
// or the path of a file of them; blank lines and # comments are skipped.
func authorizedKeyLines(sources []string) ([]string, error) {
	var lines []string
	for _, src := range sources {
		text := src
		if !looksLikeKey(src) {
			data, err := os.ReadFile(expandHome(strings.TrimSpace(src)))
			if err != nil {
				return nil, usagef("--initial-admin-key %s is neither an SSH public key nor a readable file: %v", model.Quote(src), errors.Unwrap(err))
			}
			text = string(data)
		}
		for _, l := range strings.Split(text, "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			if _, err := model.ParseSSHKey(l); err != nil {
				return nil, err
			}
			lines = append(lines, l)
		}
	}
	return lines, nil
}

func looksLikeKey(s string) bool {
	s = strings.TrimSpace(s)
	for _, p := range []string{"ssh-", "ecdsa-", "sk-"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// initialAdmin names the first Primary Owner: the flags, else the first key's
// comment, which ssh-keygen sets to user@host ("ana@laptop"): an address that
// identifies the person, if not one that receives mail. derived says the name or
// email came from the key, so the log can say how to choose them instead.
func initialAdmin(f serveFlags, firstKey string) (email, name string, derived bool) {
	email = f.adminEmail
	if email == "" {
		derived = true
		k, _ := model.ParseSSHKey(firstKey)
		switch e, err := model.NormalizeEmail(k.Comment); {
		case err == nil:
			email = e
		case k.Comment != "" && !strings.ContainsAny(k.Comment, "@ \t"):
			email = strings.ToLower(k.Comment) + "@localhost"
		default:
			email = "admin@localhost"
		}
	}
	name = f.adminNm
	if name == "" {
		derived = true
		name, _, _ = strings.Cut(email, "@")
	}
	return email, name, derived
}

// serveLogger is the log of the SSH and HTTP servers and the backend: text or
// JSON lines on w, from level up. It writes through model.RedactWriter: whatever a
// record holds (a command line, an error quoting input), text shaped like a
// secret reaches the log as its hint.
func serveLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	w = model.RedactWriter(w)
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level must be debug, info, warn or error, not %s", model.Quote(level))
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, not %s", model.Quote(format))
}

// observer is m as the SSH server's observer, or none: a nil *Metrics in the
// interface would not be nil.
func observer(m *metrics.Metrics) sshd.Observer {
	if m == nil {
		return nil
	}
	return m
}

// idleSetting maps --idle-timeout 0 (never) to the server's "negative: never".
func idleSetting(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// rateSetting maps --ssh-conn-rate 0 (no limit) to the server's "negative: none".
func rateSetting(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
