package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/buildinfo"
)

// ReadyTimeout bounds the database read behind /readyz: a probe that waits
// longer than its prober does tells nobody anything.
const ReadyTimeout = 2 * time.Second

// Probes answers GET /livez (the process runs and serves HTTP) and GET /readyz
// (the database answers within ReadyTimeout; 503 when it doesn't). The API and
// the metrics listener share one, so a change of readiness is logged once.
type Probes struct {
	b       *backend.Backend
	log     *slog.Logger
	unready atomic.Bool // the last probe failed
}

// NewProbes builds the probes over b; log hears each change of readiness.
func NewProbes(b *backend.Backend, log *slog.Logger) *Probes {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Probes{b: b, log: log}
}

// Livez is GET /livez.
func (p *Probes) Livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz is GET /readyz. The store's error goes to the log, not the body: it
// can name hosts and users.
func (p *Probes) Readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	if err := p.b.Ping(ctx); err != nil {
		if !p.unready.Swap(true) {
			p.log.Warn("not ready: the database does not answer", "err", err)
		}
		w.Header().Set("Retry-After", "1")
		writeError(w, r, http.StatusServiceUnavailable, codeUnavailable, "The database does not answer; see the server's log.")
		return
	}
	if p.unready.Swap(false) {
		p.log.Info("ready: the database answers again")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// handleHealth is GET /healthz: up, and which build.
func handleHealth(w http.ResponseWriter, _ *http.Request) {
	bi := buildinfo.Get()
	writeJSON(w, http.StatusOK, healthResponse{Status: "ok", Version: bi.Version, Commit: bi.Commit})
}

type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
}
