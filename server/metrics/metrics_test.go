package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
	"github.com/apikeys-dev/apikeys/server/metrics"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

// flakyStore is a real store whose reads can be made to fail, as a database that
// went away would.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (s *flakyStore) Workspace(ctx context.Context) (model.Workspace, error) {
	if s.down.Load() {
		return model.Workspace{}, errDown
	}
	return s.Store.Workspace(ctx)
}

func (s *flakyStore) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.Keys(ctx, q)
}

type env struct {
	t        *testing.T
	st       *flakyStore
	b        *backend.Backend
	m        *metrics.Metrics
	api      *httptest.Server
	scrape   *httptest.Server
	owner    *backend.Session
	sessions atomic.Int64
}

var now = time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	e := &env{t: t, st: &flakyStore{Store: sq}, m: metrics.New()}
	e.b = backend.New(backend.Config{Store: e.st, Clock: func() time.Time { return now }, KeyChecked: e.m.KeyChecked})
	e.owner = testkit.Bootstrap(t, e.b)
	e.m.WatchKeys(e.b)
	e.m.WatchSessions(func() int { return int(e.sessions.Load()) })
	log := slog.New(slog.DiscardHandler)
	probes := httpapi.NewProbes(e.b, log)
	e.api = httptest.NewServer(httpapi.New(httpapi.Config{Backend: e.b, Observe: e.m.HTTPRequest, Probes: probes}).Handler())
	t.Cleanup(e.api.Close)
	e.scrape = httptest.NewServer(e.m.Listener(probes, log))
	t.Cleanup(e.scrape.Close)
	t.Cleanup(func() { _ = e.b.Flush(context.Background()) })
	return e
}

func (e *env) createKey(kt model.KeyType, days int) (model.Key, string) {
	e.t.Helper()
	k, sec, err := e.owner.CreateKey(context.Background(), backend.CreateKeyRequest{
		Name: "k " + string(kt), Type: kt, Expires: e.b.Policy().Today(now).AddDays(days),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return k, sec.Reveal()
}

func (e *env) get(srv *httptest.Server, method, path string, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	resp, err := srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// families scrapes /metrics and parses it with Prometheus's own parser.
func (e *env) families() map[string]*dto.MetricFamily {
	e.t.Helper()
	code, body := e.get(e.scrape, http.MethodGet, "/metrics", "")
	if code != 200 {
		e.t.Fatalf("/metrics: %d\n%s", code, body)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the series of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no series %s%v", name, want)
	return 0
}

var verifyBody = testkit.VerifyBody

func TestMetricsMoveWithRequests(t *testing.T) {
	e := newEnv(t)
	_, imp := e.createKey(model.KeyImport, 5)
	_, _ = e.createKey(model.KeyImport, 60)
	old, _ := e.createKey(model.KeyExport, 30)
	if _, err := e.owner.DeleteKey(context.Background(), old.ID, old.Version); err != nil {
		t.Fatal(err)
	}

	before := e.families()
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "apikeys_ssh_connections_refused_total"} {
		if before[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if v := value(t, before, "apikeys_key_checks_total", map[string]string{"result": "valid"}); v != 0 {
		t.Errorf("valid checks before any request: %v", v)
	}

	verify := "POST /api/v1/keys/verify"
	for _, body := range []string{
		verifyBody(imp, model.KeyImport),                // valid
		verifyBody(imp, model.KeyImport),                // valid
		verifyBody(imp, model.KeyExport),                // wrong_type
		verifyBody("apk_imp_nonsense", model.KeyImport), // malformed
	} {
		if code, b := e.get(e.api, http.MethodPost, "/api/v1/keys/verify", body); code != 200 {
			t.Fatalf("verify: %d %s", code, b)
		}
	}
	e.get(e.api, http.MethodGet, "/api/v1/keys/verify", "")       // 405
	e.get(e.api, http.MethodGet, "/api/v1/keys/"+imp, "")         // 404, a secret in the path
	e.get(e.api, http.MethodGet, "/api/v1/audit-logs/events", "") // 401: no key, so none judged
	e.m.ConnectionRefused(sshd.RefusedRateLimited)
	e.sessions.Store(3)

	after := e.families()
	checks := func(result string) float64 {
		return value(t, after, "apikeys_key_checks_total", map[string]string{"result": result})
	}
	if checks("valid") != 2 || checks("wrong_type") != 1 || checks("malformed") != 1 {
		t.Errorf("key checks: valid %v wrong_type %v malformed %v", checks("valid"), checks("wrong_type"), checks("malformed"))
	}
	reqs := func(route, code string) float64 {
		return value(t, after, "apikeys_http_requests_total", map[string]string{"route": route, "code": code})
	}
	if reqs(verify, "200") != 4 || reqs("unmatched", "405") != 1 || reqs("unmatched", "404") != 1 ||
		reqs("GET /api/v1/audit-logs/events", "401") != 1 {
		t.Errorf("requests: verify %v, 405 %v, 404 %v, events 401 %v", reqs(verify, "200"), reqs("unmatched", "405"), reqs("unmatched", "404"), reqs("GET /api/v1/audit-logs/events", "401"))
	}
	if n := value(t, after, "apikeys_http_request_duration_seconds", map[string]string{"route": verify}); n != 4 {
		t.Errorf("duration samples for verify: %v", n)
	}
	// Labels are patterns, never paths: the secret in the 404's path is nowhere.
	for _, f := range after {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if strings.Contains(l.GetValue(), "apk_") || strings.HasPrefix(l.GetValue(), "/") {
					t.Errorf("%s has label %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}

	keys := func(kt, state string) float64 {
		return value(t, after, "apikeys_keys", map[string]string{"type": kt, "state": state})
	}
	if keys("import", "active") != 2 || keys("export", "revoked") != 1 || keys("audit-logs", "active") != 0 {
		t.Errorf("keys: import active %v, export revoked %v, audit-logs active %v", keys("import", "active"), keys("export", "revoked"), keys("audit-logs", "active"))
	}
	if v := value(t, after, "apikeys_keys_expiring", map[string]string{"within": "7d"}); v != 1 {
		t.Errorf("expiring within 7d: %v, want 1", v)
	}
	if v := value(t, after, "apikeys_ssh_sessions", nil); v != 3 {
		t.Errorf("ssh sessions: %v", v)
	}
	if v := value(t, after, "apikeys_ssh_connections_refused_total", map[string]string{"reason": "rate_limited"}); v != 1 {
		t.Errorf("refused rate_limited: %v", v)
	}
}

// /readyz answers 503 while the database doesn't, and 200 again when it's back;
// /livez doesn't care. A scrape meanwhile still serves what it can.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	e := newEnv(t)
	for _, srv := range []*httptest.Server{e.api, e.scrape} {
		if code, body := e.get(srv, http.MethodGet, "/readyz", ""); code != 200 {
			t.Fatalf("readyz while up: %d %s", code, body)
		}
		e.st.down.Store(true)
		code, body := e.get(srv, http.MethodGet, "/readyz", "")
		if code != 503 || !strings.Contains(body, `"unavailable"`) || strings.Contains(body, errDown.Error()) {
			t.Errorf("readyz while down: %d %s", code, body)
		}
		if code, _ := e.get(srv, http.MethodGet, "/livez", ""); code != 200 {
			t.Errorf("livez while down: %d", code)
		}
		if srv == e.scrape {
			if code, body := e.get(srv, http.MethodGet, "/metrics", ""); code != 200 || !strings.Contains(body, "go_goroutines") || strings.Contains(body, "apikeys_keys{") {
				t.Errorf("metrics while down: %d, has go_goroutines %v, has apikeys_keys %v", code, strings.Contains(body, "go_goroutines"), strings.Contains(body, "apikeys_keys{"))
			}
		}
		e.st.down.Store(false)
		if code, body := e.get(srv, http.MethodGet, "/readyz", ""); code != 200 {
			t.Errorf("readyz when back: %d %s", code, body)
		}
	}
}
