package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
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
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
