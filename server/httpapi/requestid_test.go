package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// accessLines are the access log's lines by request id.
func accessLines(t *testing.T, e *env) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "http request" {
			id, _ := m["requestId"].(string)
			out[id] = m
		}
	}
	return out
}

// Every request gets an id of the server's own, in its response and its log line;
// an id the client sends is not taken on its word.
func TestRequestIDsAreMadePerRequest(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	seen := map[string]string{}
	for _, path := range []string{"/healthz", "/healthz", "/nope"} {
		r := e.do(http.MethodGet, path, nil, httpapi.RequestIDHeader+": chosen-by-the-client")
		id := r.header.Get(httpapi.RequestIDHeader)
		if id == "" || id == "chosen-by-the-client" {
			t.Fatalf("GET %s: X-Request-Id %q", path, id)
		}
		if _, dup := seen[id]; dup {
			t.Fatalf("id %q given twice", id)
		}
		seen[id] = path
	}
	lines := accessLines(t, e)
	for id, path := range seen {
		if l, ok := lines[id]; !ok || l["path"] != path {
			t.Errorf("no access log line for %s with requestId %s: %v", path, id, lines)
		}
	}
}

// Behind a trusted proxy its well-formed id is kept; a malformed one (too long,
// or with characters that could forge a log line) is replaced.
func TestRequestIDFromATrustedProxy(t *testing.T) {
	e := newEnv(t, httpapi.Config{TrustProxy: func(*http.Request) bool { return true }})
	tests := []struct {
		sent string
		kept bool
	}{
		{"lb-7f3a9c.42", true},
		{"urn:req:1234-abcd", true},
		{strings.Repeat("a", 129), false},
		{"bad id with spaces", false},
		{"x\" level=ERROR msg=forged", false},
		{"", false},
	}
	for _, tt := range tests {
		var hdr []string
		if tt.sent != "" {
			hdr = append(hdr, httpapi.RequestIDHeader+": "+tt.sent)
		}
		got := e.do(http.MethodGet, "/healthz", nil, hdr...).header.Get(httpapi.RequestIDHeader)
		if (got == tt.sent) != tt.kept || got == "" {
			t.Errorf("sent %q, got %q; want kept=%v", tt.sent, got, tt.kept)
		}
	}
}
