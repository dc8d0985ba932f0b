// Package httpapi serves the product's HTTP APIs over the backend: the Audit Logs
// API that audit-logs keys authenticate (GET /api/v1/audit-logs/events), key
// verification for other services (POST /api/v1/keys/verify), liveness
// (GET /healthz) and the OpenAPI document (GET /api/v1/openapi.json). Every
// response, errors included, is JSON.
package httpapi

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/server/httpserve"
)

// Defaults of Config.
const (
	DefaultRateLimit    = 500
	DefaultRateWindow   = 5 * time.Minute
	DefaultRateClients  = 65536
	DefaultMaxBodyBytes = 64 << 10
)

// Timeouts of the http.Server that Serve runs. A page of 1000 events is a few
// hundred kilobytes; WriteTimeout leaves a slow client ample time to take it.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	ShutdownTimeout   = 10 * time.Second
	maxHeaderBytes    = 32 << 10
)

// Config builds a Server. Zero values take the defaults.
type Config struct {
	Backend      *backend.Backend
	RateLimit    int           // requests per window per client address; 0 → 500
	RateWindow   time.Duration // 0 → 5 minutes
	RateClients  int           // client addresses the limiter remembers at most; 0 → 65,536
	MaxBodyBytes int64         // 0 → 64 KiB
	// Logger receives the access log (method, path, status, duration, client
	// address, key id — never a secret) and server errors; nil discards.
	Logger *slog.Logger
	// AccessLogJSON, if set, takes the access log instead of Logger: each line
	// as Logger's slog.JSONHandler would write it, appended by hand (accessLine),
	// when Logger is enabled for its level. Set it to the JSON handler's writer.
	AccessLogJSON io.Writer
	// Observe, if set, hears every answered request: the ServeMux pattern that
	// answered it ("" when none did), its status and how long it took. It runs
	// on the request path (metrics.HTTPRequest): it must be quick.
	Observe func(route string, status int, d time.Duration)
	// TrustProxy reports whether r comes from a proxy whose X-Request-Id may be
	// kept. nil trusts none: every request gets an id of the server's own. (It is
	// the hook for --trusted-proxy.)
	TrustProxy func(r *http.Request) bool
	// TrustedProxies (--trusted-proxy) are the ranges whose X-Forwarded-For or
	// Forwarded headers name the client (clientaddr.go); the client address then
	// feeds key checks, rate limiting, last use and the access log. With
	// TrustProxy nil, a request from them may also carry X-Request-Id.
	TrustedProxies Proxies
	// VerifyToken (--verify-token), if set, lets a verify caller that presents it
	// in X-Verify-Token say in the body's "address" where a key was presented
	// from; trusted proxies may say so without it.
	VerifyToken string
	// TLS, if set, makes Serve answer HTTPS with it (certs.Reloader.TLSConfig).
	TLS *tls.Config
	// Probes answers /livez and /readyz; nil builds one over Backend.
	Probes *Probes
	// Clock drives the rate limiter and the default time range of the Audit Logs
	// API; nil → the backend's clock, so one fake clock moves both in tests.
	Clock func() time.Time
}

// Server is the HTTP API. It is safe for concurrent use.
type Server struct {
	b       *backend.Backend
	log     *slog.Logger
	now     func() time.Time
	limiter atomic.Pointer[limiter] // replaced whole by SetRateLimit
	clients int                     // Config.RateClients
	maxBody int64
	tls     *tls.Config
	mux     *http.ServeMux
	routes  map[string]bool // the patterns registered on mux
	observe func(route string, status int, d time.Duration)

	ids        *requestIDs
	accessJSON io.Writer // Config.AccessLogJSON
	trustProxy func(*http.Request) bool
	proxies    Proxies
	verifyTok  string
}

// New builds a Server.
func New(cfg Config) *Server {
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.RateClients <= 0 {
		cfg.RateClients = DefaultRateClients
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = cfg.Backend.Now
	}
	if cfg.Probes == nil {
		cfg.Probes = NewProbes(cfg.Backend, cfg.Logger)
	}
	s := &Server{
		b:       cfg.Backend,
		log:     cfg.Logger,
		now:     cfg.Clock,
		clients: cfg.RateClients,
		maxBody: cfg.MaxBodyBytes,
		tls:     cfg.TLS,
		mux:     http.NewServeMux(),
		routes:  map[string]bool{},
		observe: cfg.Observe,

		ids:        newRequestIDs(),
		accessJSON: cfg.AccessLogJSON,
		trustProxy: cfg.TrustProxy,
		proxies:    cfg.TrustedProxies,
		verifyTok:  cfg.VerifyToken,
	}
	if s.trustProxy == nil && len(s.proxies) > 0 {
		s.trustProxy = func(r *http.Request) bool { return s.proxies.Trusts(remoteIP(r.RemoteAddr)) }
	}
	// A GET pattern answers HEAD too; a known path asked with another method gets
	// 405 with Allow; see muxErrors for how those answers become JSON.
	s.limiter.Store(newLimiter(cfg.RateLimit, cfg.RateWindow, cfg.RateClients, cfg.Clock))
	s.handle("GET /api/v1/audit-logs/events", s.handleEvents)
	s.handle("POST /api/v1/keys/verify", s.handleVerify)
	s.handle("GET /api/v1/openapi.json", handleOpenAPI)
	s.handle("GET /healthz", handleHealth)
	s.handle("GET /livez", cfg.Probes.Livez)
	s.handle("GET /readyz", cfg.Probes.Readyz)
	return s
}

func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, h)
	s.routes[pattern] = true
}

// Route is the pattern that answered r ("GET /api/v1/keys/verify"), or "" when
// none did: an unknown path, a method the path doesn't take, or an unclean path.
// It is meant for metrics and logs: a bounded set, never the raw path.
func (s *Server) route(r *http.Request) string {
	if s.routes[r.Pattern] {
		return r.Pattern
	}
	return ""
}

// Handler is the API as an http.Handler: access log, panic recovery, rate limit
// and routing around the endpoints.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Serve answers HTTP on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets requests in flight finish for up to ShutdownTimeout, closes what
// is left, and waits for recorded key uses to be written. A clean shutdown
// returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	serve := func() error { return srv.Serve(ln) }
	if s.tls != nil {
		srv.TLSConfig = s.tls
		serve = func() error { return srv.ServeTLS(ln, "", "") } // the certificate comes from TLSConfig
	}
	return httpserve.Serve(ctx, srv, serve, httpserve.Shutdown{
		Timeout:  ShutdownTimeout,
		Stopping: func() { s.log.Info("http server shutting down", "addr", ln.Addr().String()) },
		Drain:    s.b.Flush,
	})
}

// serveHTTP wraps every request: access log, recovery, rate limit, routing.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // wall time for the logged duration, not the injected clock
	ex := &exchange{}
	rec, info := &ex.rec, &ex.info
	rec.ResponseWriter, rec.info = w, info
	info.requestID = s.requestID(r)
	info.client, info.viaProxy = clientAddr(r, s.proxies)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic in handler", "requestId", info.requestID, "method", r.Method, "path", logPath(r.URL.Path), "panic", p)
			if rec.status == 0 {
				writeError(rec, r, http.StatusInternalServerError, codeInternal, "Something went wrong on the server; try again shortly.")
			}
		}
		d := time.Since(start)
		s.accessLog(r, rec, info, d, start.Add(d))
		if s.observe != nil {
			s.observe(s.route(r), rec.statusOrOK(), d)
		}
	}()

	// Set in the map directly, the keys canonical already: Header.Set would
	// canonicalise each and allocate each value's slice.
	h := rec.Header()
	ex.ids[0] = info.requestID
	h[RequestIDHeader] = ex.ids[:1:1]
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = noSniff

	// The probes are exempt: a load balancer probing every second must never be
	// refused. Everything else counts, unknown paths included, so that scanning
	// the API costs the same as using it.
	if !isProbe(r.URL.Path) && !s.allow(rec, r) {
		if s.observe != nil {
			_, r.Pattern = s.mux.Handler(r) // the route it was refused for: for metrics only
		}
		return
	}
	if !cleanPath(r.URL.EscapedPath()) {
		// The mux would redirect to the cleaned path; an API client that sends
		// "//" or "/./" has a bug to fix, not a page to follow.
		writeError(rec, r, http.StatusNotFound, codeNotFound, noEndpoint)
		return
	}
	ex.mux = muxErrors{ResponseWriter: rec, r: r, s: s}
	s.mux.ServeHTTP(&ex.mux, r)
}

// exchange is what serveHTTP keeps for one request, allocated together.
// Handlers find the reqInfo through their ResponseWriter (infoOf), not through
// the request's context: a context value costs a copy of the request.
type exchange struct {
	rec  recorder
	info reqInfo
	mux  muxErrors
	ids  [1]string // the X-Request-Id header's value
}

// Header values the same for every response. Header.Set replaces a value and
// Header.Add copies one of capacity 1, so none is ever written through.
var (
	noStore  = []string{"no-store"}
	noSniff  = []string{"nosniff"}
	jsonType = []string{"application/json; charset=utf-8"}
)

const noEndpoint = "There is no such endpoint; see /api/v1/openapi.json."

// cleanPath reports whether p is already in the form ServeMux matches: rooted,
// no "//", ".", "..". path.Clean allocates nothing for a clean path.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	return c == p || (c+"/" == p && c != "/")
}

// muxErrors turns the answers ServeMux gives of its own — 404 and 405 with
// Allow — into the API's JSON errors. It knows them by r.Pattern, which the mux
// sets before calling a handler: empty when no pattern matched.
type muxErrors struct {
	http.ResponseWriter
	r       *http.Request
	s       *Server
	swallow bool // the mux's own text body is dropped
}

func (w *muxErrors) WriteHeader(status int) {
	if w.swallow || w.s.route(w.r) != "" {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.swallow = true
	h := w.Header()
	if status == http.StatusMethodNotAllowed {
		allow := h.Get("Allow")
		writeError(w.ResponseWriter, w.r, status, codeMethodNotAllowed,
			"Use "+strings.ReplaceAll(allow, ", ", " or ")+" for "+logPath(w.r.URL.Path)+".")
		return
	}
	writeError(w.ResponseWriter, w.r, http.StatusNotFound, codeNotFound, noEndpoint)
}

func (w *muxErrors) Write(p []byte) (int, error) {
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *muxErrors) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// SetRateLimit changes the rate limit from the next request on (SIGHUP). Every
// client starts afresh under the new limit: the old counts are dropped, which
// can only let a client in sooner, never refuse it for a limit it didn't see.
// A limit below 1 or a window that isn't positive is ignored.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	if limit < 1 || window <= 0 {
		return
	}
	s.limiter.Store(newLimiter(limit, window, s.clients, s.now))
}

// allow applies the rate limit, answering 429 with Retry-After when it refuses.
func (s *Server) allow(w http.ResponseWriter, r *http.Request) bool {
	ok, wait := s.limiter.Load().allow(clientKey(clientOf(w, r)))
	if ok {
		return true
	}
	secs := int64((wait + time.Second - 1) / time.Second) // round up: never invite an early retry
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", itoa(secs))
	writeError(w, r, http.StatusTooManyRequests, codeRateLimited,
		"Too many requests from this address; retry after "+itoa(secs)+" seconds.")
	return false
}

func isProbe(path string) bool {
	return path == "/healthz" || path == "/livez" || path == "/readyz"
}
