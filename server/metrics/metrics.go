// Package metrics exposes the server's Prometheus metrics on their own listener
// (`serve --metrics-addr`), with /livez and /readyz beside them. The backend, the
// SSH server and the HTTP API don't import Prometheus: they call the small hooks
// here (KeyChecked, ConnectionRefused, HTTPRequest), and the key counts and open
// sessions are read at scrape time.
//
// Every label takes values from a bounded set: key types and states, check
// results (valid or a refusal reason), ServeMux route patterns (never a raw
// path), status codes, refusal reasons.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
	"github.com/apikeys-dev/apikeys/server/webhooks"
)

// ExpiringWithin is the span of apikeys_keys_expiring{within="7d"}.
const ExpiringWithin = 7 * 24 * time.Hour

// ScrapeTimeout bounds the store reads one scrape makes.
const ScrapeTimeout = 5 * time.Second

// UnmatchedRoute is the route label of a request no pattern answered (404, 405).
const UnmatchedRoute = "unmatched"

// Metrics is one process's registry. Its hooks are safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	keyChecks    *prometheus.CounterVec
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	sshRefused   *prometheus.CounterVec
	webhooks     *prometheus.CounterVec

	mu       sync.Mutex
	keys     func(context.Context, time.Duration) (backend.KeyStats, error)
	sessions func() int

	// WithLabelValues hashes the values and takes a lock; a verify request pays
	// a map read instead. checks is filled in New and only read after.
	checks   map[string]prometheus.Counter
	requests sync.Map // reqLabels → reqSeries
}

type reqSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

type reqLabels struct {
	route string
	code  int
}

// New builds the registry with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), checks: map[string]prometheus.Counter{}}
	m.keyChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "apikeys_key_checks_total",
		Help: "Presented API keys judged by the backend, by result: valid, a refusal reason, or error (the store failed).",
	}, []string{"result"})
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "apikeys_http_requests_total",
		Help: "HTTP API requests answered, by route pattern and status code.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "apikeys_http_request_duration_seconds",
		Help:    "Time to answer an HTTP API request, by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route"})
	m.sshRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "apikeys_ssh_connections_refused_total",
		Help: "SSH connections and sessions turned away, by reason.",
	}, []string{"reason"})
	for _, r := range []string{backend.CheckValid, backend.ReasonMalformed, backend.ReasonUnknown,
		backend.ReasonExpired, backend.ReasonRevoked, backend.ReasonWrongType, backend.ReasonIPNotAllowed, backend.CheckError} {
		m.checks[r] = m.keyChecks.WithLabelValues(r)
	}
	for _, r := range sshd.RefusedReasons {
		m.sshRefused.WithLabelValues(r)
	}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "apikeys_webhook_deliveries_total",
		Help: "Webhook delivery attempts, by result: delivered (2xx), rejected (another answer), no_answer.",
	}, []string{"result"})
	for _, r := range webhooks.Results {
		m.webhooks.WithLabelValues(r)
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.keyChecks, m.httpRequests, m.httpDuration, m.sshRefused, m.webhooks,
		keysCollector{m},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "apikeys_ssh_sessions",
			Help: "SSH sessions open now.",
		}, m.openSessions),
	)
	return m
}

// WebhookAttempt counts one delivery attempt by its result (webhooks.Result…);
// it is the delivery worker's OnAttempt.
func (m *Metrics) WebhookAttempt(result string) { m.webhooks.WithLabelValues(result).Inc() }

// Registry is the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// WatchKeys has apikeys_keys and apikeys_keys_expiring read from b at each scrape.
func (m *Metrics) WatchKeys(b *backend.Backend) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = b.KeyStats
}

// WatchSessions has apikeys_ssh_sessions read from open at each scrape
// (sshd.Server.Sessions).
func (m *Metrics) WatchSessions(open func() int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions = open
}

func (m *Metrics) openSessions() float64 {
	m.mu.Lock()
	open := m.sessions
	m.mu.Unlock()
	if open == nil {
		return 0
	}
	return float64(open())
}

// KeyChecked counts one judged key; it is backend.Config.KeyChecked.
func (m *Metrics) KeyChecked(result string) {
	if c, ok := m.checks[result]; ok {
		c.Inc()
		return
	}
	m.keyChecks.WithLabelValues(result).Inc() // a reason added to the backend since
}

// ConnectionRefused counts one refused SSH connection; Metrics is an sshd.Observer.
func (m *Metrics) ConnectionRefused(reason string) { m.sshRefused.WithLabelValues(reason).Inc() }

var _ sshd.Observer = (*Metrics)(nil)

// HTTPRequest counts one answered request: route is the ServeMux pattern that
// answered it ("" for none), code its status. It is httpapi.Config.Observe.
func (m *Metrics) HTTPRequest(route string, code int, d time.Duration) {
	if route == "" {
		route = UnmatchedRoute
	}
	l := reqLabels{route, code}
	s, ok := m.requests.Load(l)
	if !ok {
		s, _ = m.requests.LoadOrStore(l, reqSeries{
			count:    m.httpRequests.WithLabelValues(route, strconv.Itoa(code)),
			duration: m.httpDuration.WithLabelValues(route),
		})
	}
	rs := s.(reqSeries)
	rs.count.Inc()
	rs.duration.Observe(d.Seconds())
}

// Handler serves /metrics in the Prometheus text format (or OpenMetrics, as
// the scraper asks). A failing store read leaves out the key series, logs why,
// and serves the rest.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		Timeout:           ScrapeTimeout + time.Second,
	})
}

// keysCollector reads the key counts from the backend when scraped.
type keysCollector struct{ m *Metrics }

var (
	keysDesc = prometheus.NewDesc("apikeys_keys",
		"API keys in the workspace, tombstones included, by type and state.",
		[]string{"type", "state"}, nil)
	expiringDesc = prometheus.NewDesc("apikeys_keys_expiring",
		"API keys that still work and whose last valid day is within the span.",
		[]string{"within"}, nil)
)

var keyStates = []model.KeyState{model.KeyActive, model.KeyReplaced, model.KeyExpired, model.KeyRevoked}

func (c keysCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- keysDesc
	ch <- expiringDesc
}

func (c keysCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	read := c.m.keys
	c.m.mu.Unlock()
	if read == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	st, err := read(ctx, ExpiringWithin)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(keysDesc, err)
		return
	}
	for t, states := range st.ByTypeState {
		for _, s := range keyStates {
			ch <- prometheus.MustNewConstMetric(keysDesc, prometheus.GaugeValue, float64(states[s]), string(t), s.String())
		}
	}
	ch <- prometheus.MustNewConstMetric(expiringDesc, prometheus.GaugeValue, float64(st.ExpiringWithin), "7d")
}
