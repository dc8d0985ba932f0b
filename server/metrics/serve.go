package metrics

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/apikeys-dev/apikeys/server/httpserve"
)

// Probes are the /livez and /readyz handlers served beside /metrics
// (httpapi.Probes).
type Probes interface {
	Livez(http.ResponseWriter, *http.Request)
	Readyz(http.ResponseWriter, *http.Request)
}

// Listener is the metrics listener: GET /metrics, /livez, /readyz. Anything else
// is a plain 404: this listener is for scrapers and probes, not for people.
func (m *Metrics) Listener(p Probes, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(log))
	mux.HandleFunc("GET /livez", p.Livez)
	mux.HandleFunc("GET /readyz", p.Readyz)
	return mux
}

// Serve answers h on ln until ctx is done, then shuts down within a few
// seconds. A clean shutdown returns nil.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      ScrapeTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return httpserve.Serve(ctx, srv, func() error { return srv.Serve(ln) }, httpserve.Shutdown{Timeout: 5 * time.Second})
}
