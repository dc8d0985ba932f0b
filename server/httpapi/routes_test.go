package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/apikeys-dev/apikeys/internal/buildinfo"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// The mux's own answers (404, 405, the redirect to a cleaned path) come out as the
// API's JSON errors, and HEAD works wherever GET does.
func TestMuxAnswersAreJSON(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)

	for _, path := range []string{"//healthz", "/api/v1/./keys/verify", "/api/v1/audit-logs/../audit-logs/events"} {
		r := e.do(http.MethodGet, path, nil, "Authorization: Bearer "+audit)
		r.wantError(t, 404, "not_found")
		if loc := r.header.Get("Location"); loc != "" {
			t.Errorf("GET %s: Location %q; an unclean path is not redirected", path, loc)
		}
	}

	msg := e.do(http.MethodPatch, "/api/v1/keys/verify", nil).wantError(t, 405, "method_not_allowed")
	if msg != "Use POST for /api/v1/keys/verify." {
		t.Errorf("405 message %q", msg)
	}

	r := e.do(http.MethodHead, "/api/v1/audit-logs/events", nil, "Authorization: Bearer "+audit)
	if r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Type") == "" {
		t.Errorf("HEAD events: %d %q %v", r.status, r.body, r.header)
	}
	if r := e.do(http.MethodHead, "/api/v1/audit-logs/events", nil); r.status != 401 {
		t.Errorf("HEAD events without a key: %d, want 401", r.status)
	}
}

func TestHealthzNamesTheBuild(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	var body map[string]string
	e.do(http.MethodGet, "/healthz", nil).json(t, &body)
	bi := buildinfo.Get()
	if body["version"] != bi.Version || body["commit"] != bi.Commit || body["version"] == "" {
		t.Errorf("healthz %v, want version %q commit %q", body, bi.Version, bi.Commit)
	}
}
