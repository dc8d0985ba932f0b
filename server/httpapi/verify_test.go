package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

func TestVerify(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	k, imp := e.createKey("Nightly import", model.KeyImport)
	unknown, _ := model.NewSecret(model.KeyImport)

	var v verdict
	r := e.verify(verifyBody(imp, model.KeyImport))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &v)
	if !v.Valid || v.KeyID != k.ID || v.Name != "Nightly import" || v.Type != "import" ||
		v.ExpiresAt == nil || !v.ExpiresAt.Equal(k.ExpiresAt) || v.Reason != "" {
		t.Errorf("verdict %+v, want valid for %s", v, k.ID)
	}
	if strings.Contains(string(r.body), imp) {
		t.Errorf("response repeats the secret: %s", r.body)
	}

	refusals := []struct {
		name, body, reason string
	}{
		{"malformed", verifyBody("apk_imp_short", model.KeyImport), backend.ReasonMalformed},
		{"empty", verifyBody("", model.KeyImport), backend.ReasonMalformed},
		{"bad checksum", verifyBody(imp[:len(imp)-1]+flip(imp[len(imp)-1]), model.KeyImport), backend.ReasonMalformed},
		{"unknown", verifyBody(unknown.Reveal(), model.KeyImport), backend.ReasonUnknown},
		{"wrong type", verifyBody(imp, model.KeyExport), backend.ReasonWrongType},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := e.verify(tt.body)
			var raw map[string]any
			r.json(t, &raw)
			want := map[string]any{"valid": false, "reason": tt.reason}
			if r.status != 200 || len(raw) != 2 || raw["valid"] != false || raw["reason"] != tt.reason {
				t.Errorf("%d %v, want 200 %v", r.status, raw, want)
			}
		})
	}
	// Expired and revoked: see TestExpiredKeyRefusedAtFirstInvalidInstant and
	// TestDeletedKeyRefusedAtOnce.
}

func TestVerifyBadRequests(t *testing.T) {
	e := newEnv(t, httpapi.Config{MaxBodyBytes: 256})
	_, imp := e.createKey("Nightly import", model.KeyImport)

	tests := []struct {
		name, body string
	}{
		{"empty body", ""},
		{"not JSON", "key=" + imp},
		{"array", `["` + imp + `"]`},
		{"truncated", `{"key":"` + imp},
		{"unknown type", `{"key":"` + imp + `","type":"imports"}`},
		{"no type", `{"key":"` + imp + `"}`},
		{"no key", `{"type":"import"}`},
		{"key not a string", `{"key":42,"type":"import"}`},
		{"unknown field", `{"key":"` + imp + `","type":"import","scope":"all"}`},
		{"secret as a field name", `{"` + imp + `":"","type":"import"}`},
		{"two objects", `{"key":"` + imp + `","type":"import"}{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := e.verify(tt.body).wantError(t, 400, "invalid_request")
			if strings.Contains(msg, imp) {
				t.Errorf("message repeats the secret: %q", msg)
			}
		})
	}

	// 413 whether the size is announced or only discovered while reading.
	big := `{"key":"` + imp + `","type":"import","pad":"` + strings.Repeat("x", 300) + `"}`
	e.verify(big).wantError(t, 413, "request_too_large")
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/keys/verify", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1 // chunked
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	response{status: resp.StatusCode, header: resp.Header, body: b}.wantError(t, 413, "request_too_large")
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)

	e.do(http.MethodGet, "/api/v1/audit-logs/event", nil).wantError(t, 404, "not_found")
	e.do(http.MethodGet, "/", nil).wantError(t, 404, "not_found")
	e.do(http.MethodGet, "/api/v1/audit-logs/events/", nil, "Authorization: Bearer "+audit).wantError(t, 404, "not_found")

	tests := []struct {
		method, path, allow string
	}{
		{http.MethodPost, "/api/v1/audit-logs/events", "GET, HEAD"},
		{http.MethodDelete, "/api/v1/audit-logs/events", "GET, HEAD"},
		{http.MethodGet, "/api/v1/keys/verify", "POST"},
		{http.MethodPut, "/healthz", "GET, HEAD"},
		{http.MethodPost, "/api/v1/openapi.json", "GET, HEAD"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, tt.path, nil, "Authorization: Bearer "+audit)
		r.wantError(t, 405, "method_not_allowed")
		if got := r.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	r := e.do(http.MethodGet, "/healthz", nil)
	var body map[string]string
	r.json(t, &body)
	if r.status != 200 || body["status"] != "ok" {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodHead, "/healthz", nil); r.status != 200 || len(r.body) != 0 {
		t.Errorf("HEAD healthz: %d %q", r.status, r.body)
	}
}

// TestOpenAPI checks the served document is OpenAPI 3, documents exactly the
// routes the server answers, and lists every error code and verify reason.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	r := e.do(http.MethodGet, "/api/v1/openapi.json", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components json.RawMessage                       `json:"components"`
	}
	r.json(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}
	want := map[string]string{
		"/api/v1/audit-logs/events": "get",
		"/api/v1/keys/verify":       "post",
		"/api/v1/openapi.json":      "get",
		"/healthz":                  "get",
		"/livez":                    "get",
		"/readyz":                   "get",
	}
	for path, ops := range doc.Paths {
		for op := range ops {
			if want[path] != op {
				t.Errorf("documented %s %s, which the server does not answer", op, path)
			}
		}
		// A documented route must really be there: not 404, not 405.
		status := e.do(strings.ToUpper(want[path]), path, strings.NewReader("{}")).status
		if status == 404 || status == 405 {
			t.Errorf("%s %s: %d", want[path], path, status)
		}
	}
	if len(doc.Paths) != len(want) {
		t.Errorf("%d documented paths, want %d", len(doc.Paths), len(want))
	}
	all := string(r.body)
	for _, s := range []string{"invalid_request", "unauthenticated", "forbidden", "not_found",
		"method_not_allowed", "request_too_large", "rate_limited", "internal", "Retry-After",
		backend.ReasonMalformed, backend.ReasonUnknown, backend.ReasonExpired, backend.ReasonRevoked, backend.ReasonWrongType} {
		if !strings.Contains(all, `"`+s+`"`) {
			t.Errorf("the document does not mention %q", s)
		}
	}
	for _, et := range model.EventTypes {
		if !strings.Contains(all, `"`+string(et)+`"`) {
			t.Errorf("the document does not list event type %s", et)
		}
	}
}

// TestServeShutsDownGracefully runs Serve on a real listener and cancels it.
func TestServeShutsDownGracefully(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	ln := listen(t)
	ctx, cancel := contextWithCancel(e)
	done := make(chan error, 1)
	go func() { done <- httpapi.New(httpapi.Config{Backend: e.b}).Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz through Serve: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(httpapi.ShutdownTimeout + 5*time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("the listener still answers after shutdown")
	}
}
