package httpapi_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// TestRateLimitDefault: 500 requests per 5 minutes per address, across both
// APIs; the 501st gets 429 with Retry-After; /healthz is never limited.
func TestRateLimitDefault(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	_, imp := e.createKey("Importer", model.KeyImport)
	for i := range 500 {
		var r response
		if i%2 == 0 {
			r = e.events(audit, "limit=1")
		} else {
			r = e.verify(verifyBody(imp, model.KeyImport))
		}
		if r.status != 200 {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
	}
	for _, r := range []response{e.events(audit, "limit=1"), e.verify(verifyBody(imp, model.KeyImport))} {
		r.wantError(t, 429, "rate_limited")
		if r.header.Get("Retry-After") != "1" { // 600 ms, rounded up
			t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
		}
	}
	if r := e.do(http.MethodGet, "/healthz", nil); r.status != 200 {
		t.Errorf("healthz while limited: %d", r.status)
	}
}

// TestRateLimitRecovery uses a small configured limit and moves the clock.
func TestRateLimitRecovery(t *testing.T) {
	e := newEnv(t, httpapi.Config{RateLimit: 3, RateWindow: time.Minute})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	ok := func(when string) {
		t.Helper()
		if r := e.events(audit, "limit=1"); r.status != 200 {
			t.Fatalf("%s: %d %s", when, r.status, r.body)
		}
	}
	limited := func(when, retryAfter string) {
		t.Helper()
		r := e.events(audit, "limit=1")
		msg := r.wantError(t, 429, "rate_limited")
		if got := r.header.Get("Retry-After"); got != retryAfter {
			t.Errorf("%s: Retry-After %q, want %q (%s)", when, got, retryAfter, msg)
		}
	}
	for range 3 {
		ok("burst")
	}
	limited("after the burst", "20") // one request per 20 s at 3 a minute
	// Unknown paths count too, so that probing the API is not free.
	e.do(http.MethodGet, "/api/v1/nothing", nil).wantError(t, 429, "rate_limited")

	e.clock.Add(19 * time.Second)
	limited("a second early", "1")
	e.clock.Add(time.Second)
	ok("after Retry-After")
	limited("right after", "20")

	e.clock.Add(time.Minute)
	for range 3 {
		ok("a window later")
	}
	limited("a window later, past the burst", "20")
}

// TestAccessLogNeverHoldsASecret sends secrets everywhere a client might put one
// and checks the log: one line per request with the fields an operator needs,
// the key id once authenticated, and no secret anywhere.
func TestAccessLogNeverHoldsASecret(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	auditKey, audit := e.createKey("SIEM", model.KeyAuditLogs)
	impKey, imp := e.createKey("Importer", model.KeyImport)
	unknown, _ := model.NewSecret(model.KeyAuditLogs)
	secrets := []string{audit, imp, unknown.Reveal()}

	requests := []func() response{
		func() response { return e.events(audit, "limit=1") },
		func() response { return e.events(imp, "") },              // 403
		func() response { return e.events(unknown.Reveal(), "") }, // 401
		func() response { return e.events(audit, "key="+audit) },  // 400: secret in the query
		func() response { return e.events(audit, "limit=0") },     // 400
		func() response { return e.verify(verifyBody(imp, model.KeyImport)) },
		func() response { return e.verify(verifyBody(unknown.Reveal(), model.KeyImport)) },
		func() response { return e.verify(`{"key":"` + imp + `","type":"nope"}`) },
		func() response { return e.verify(`{"` + imp + `":1}`) },
		func() response { return e.do(http.MethodGet, "/api/v1/keys/"+imp, nil) },   // 404: secret in the path
		func() response { return e.do(http.MethodGet, "/x/"+audit+"/y", nil) },      // 404
		func() response { return e.do(http.MethodPut, "/api/v1/keys/verify", nil) }, // 405
	}
	for _, req := range requests {
		req()
	}

	log := e.logs.String()
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Fatalf("the log holds a secret:\n%s", log)
		}
		// Not even the random part alone.
		if strings.Contains(log, s[8:8+32]) {
			t.Fatalf("the log holds the random part of a secret:\n%s", log)
		}
	}

	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if m["msg"] == "http request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != len(requests) {
		t.Fatalf("%d access log lines for %d requests:\n%s", len(lines), len(requests), log)
	}
	for _, l := range lines {
		for _, f := range []string{"method", "path", "status", "duration", "addr"} {
			if _, ok := l[f]; !ok {
				t.Errorf("access log line without %s: %v", f, l)
			}
		}
	}
	if lines[0]["keyId"] != auditKey.ID || lines[0]["status"] != float64(200) {
		t.Errorf("authenticated request logged as %v, want keyId %s", lines[0], auditKey.ID)
	}
	if lines[5]["keyId"] != impKey.ID {
		t.Errorf("valid verify logged as %v, want keyId %s", lines[5], impKey.ID)
	}
	if _, ok := lines[1]["keyId"]; ok {
		t.Errorf("refused request logged with a key id: %v", lines[1])
	}
	if lines[1]["code"] != "forbidden" || lines[2]["code"] != "unauthenticated" {
		t.Errorf("error codes not logged: %v / %v", lines[1], lines[2])
	}
	if p := lines[9]["path"]; p != "/api/v1/keys/apk_imp_[REDACTED]" {
		t.Errorf("secret-shaped path logged as %v", p)
	}
}
