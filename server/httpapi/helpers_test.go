package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// env is a real backend on a temp SQLite store, served by httptest over a real
// loopback listener.
type env struct {
	t     testing.TB
	ctx   context.Context
	b     *backend.Backend
	st    *sqlite.Store
	clock *testkit.Clock      // the backend's and the limiter's
	logs  *testkit.SyncBuffer // the access log, as JSON lines
	srv   *httptest.Server
	owner *backend.Session
}

// newEnv bootstraps a workspace and serves the API; cfg's Backend, Logger and
// Clock are filled in.
func newEnv(t testing.TB, cfg httpapi.Config) *env {
	t.Helper()
	ws := testkit.NewWorkspace(t, testkit.Options{})
	logs := &testkit.SyncBuffer{}
	cfg.Backend = ws.Backend
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	cfg.Clock = ws.Clock.Now
	srv := httptest.NewServer(httpapi.New(cfg).Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: context.Background(), b: ws.Backend, st: ws.Store, clock: ws.Clock, logs: logs, srv: srv,
		owner: ws.Session(ws.Owner.ID)}
}

// createKey makes a key of type kt as the owner, expiring in 30 days.
func (e *env) createKey(name string, kt model.KeyType) (model.Key, string) {
	e.t.Helper()
	k, sec, err := e.owner.CreateKey(e.ctx, backend.CreateKeyRequest{
		Name: name, Type: kt, Expires: e.b.Policy().Today(e.clock.Now()).AddDays(30),
	})
	if err != nil {
		e.t.Fatalf("create %s key: %v", kt, err)
	}
	return k, sec.Reveal()
}

// response is what a test looks at: status, headers, and the body decoded.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

// errorCode checks the response is a JSON error with this status and returns
// its code and message.
func (r response) wantError(t *testing.T, status int, code string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &body)
	if body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("error %+v, want code %q and a message; body %s", body.Error, code, r.body)
	}
	return body.Error.Message
}

// do sends a request to the test server; header values are "Name: value" pairs.
func (e *env) do(method, path string, body io.Reader, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range headers {
		name, val, _ := strings.Cut(h, ": ")
		req.Header.Add(name, val)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// events calls the Audit Logs API with a key and a raw query.
func (e *env) events(secret, query string) response {
	e.t.Helper()
	path := "/api/v1/audit-logs/events"
	if query != "" {
		path += "?" + query
	}
	return e.do(http.MethodGet, path, nil, "Authorization: Bearer "+secret)
}

// verify posts a raw body to the verify endpoint.
func (e *env) verify(body string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/keys/verify", strings.NewReader(body), "Content-Type: application/json")
}

var verifyBody = testkit.VerifyBody

type eventPage struct {
	Events        []model.AuditEvent `json:"events"`
	NextPageToken *string            `json:"nextPageToken"`
}

type verdict struct {
	Valid     bool       `json:"valid"`
	KeyID     string     `json:"keyId"`
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	ExpiresAt *time.Time `json:"expiresAt"`
	Reason    string     `json:"reason"`
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func contextWithCancel(e *env) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(e.ctx)
	e.t.Cleanup(cancel)
	return ctx, cancel
}
