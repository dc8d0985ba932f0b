package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// allowEnv serves the API over a real backend whose audit-logs and import keys
// are linked to a list allowing 127.0.0.2 only. Clients bind their side of the
// connection to a chosen loopback address.
type allowEnv struct {
	*env
	audit, imp       string // secrets
	auditKey, impKey model.Key
}

func newAllowEnv(t *testing.T, cfg httpapi.Config) *allowEnv {
	t.Helper()
	e := &allowEnv{env: newEnv(t, cfg)}
	e.auditKey, e.audit = e.createKey("SIEM", model.KeyAuditLogs)
	e.impKey, e.imp = e.createKey("Nightly import", model.KeyImport)
	if _, err := e.owner.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "office", Entries: []string{"127.0.0.2"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.owner.LinkAllowList(e.ctx, "office", []string{e.auditKey.ID, e.impKey.ID}); err != nil {
		t.Fatal(err)
	}
	return e
}

// from sends a request over a connection whose local address is local.
func (e *allowEnv) from(local, method, path, body string, headers ...string) response {
	e.t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range headers {
		name, val, _ := strings.Cut(h, ": ")
		req.Header.Add(name, val)
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// events is the Audit Logs API's answer to the audit key from local: "ok" or
// the error code.
func (e *allowEnv) events(t *testing.T, local string, headers ...string) string {
	t.Helper()
	r := e.from(local, http.MethodGet, "/api/v1/audit-logs/events", "", append(headers, "Authorization: Bearer "+e.audit)...)
	if r.status == http.StatusOK {
		return "ok"
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &body)
	if body.Error.Code == "ip_not_allowed" && r.status != http.StatusForbidden {
		t.Errorf("ip_not_allowed with status %d, want 403", r.status)
	}
	return body.Error.Code
}

// verifyFrom is verify's verdict on the import key from local: "valid" or the
// reason; a 400 is "400".
func (e *allowEnv) verifyFrom(t *testing.T, local, body string, headers ...string) string {
	t.Helper()
	if body == "" {
		body = verifyBody(e.imp, model.KeyImport)
	}
	r := e.from(local, http.MethodPost, "/api/v1/keys/verify", body, append(headers, "Content-Type: application/json")...)
	if r.status == http.StatusBadRequest {
		return "400"
	}
	var v verdict
	r.json(t, &v)
	if v.Valid {
		return "valid"
	}
	return v.Reason
}

// TestAllowListsOverHTTP: both APIs, from an allowed and a refused loopback
// address, with and without a trusted proxy, with forged forwarding headers.
func TestAllowListsOverHTTP(t *testing.T) {
	const allowed, refused = "127.0.0.2", "127.0.0.1"
	t.Run("NoProxy", func(t *testing.T) {
		e := newAllowEnv(t, httpapi.Config{})
		for _, c := range []struct {
			name, local string
			headers     []string
			events      string
			verify      string
		}{
			{"from the allowed address", allowed, nil, "ok", "valid"},
			{"from another address", refused, nil, "ip_not_allowed", "ip_not_allowed"},
			{"forged X-Forwarded-For is ignored", refused, []string{"X-Forwarded-For: 127.0.0.2"}, "ip_not_allowed", "ip_not_allowed"},
			{"forged Forwarded is ignored", refused, []string{"Forwarded: for=127.0.0.2"}, "ip_not_allowed", "ip_not_allowed"},
			{"a header can't push an allowed client out", allowed, []string{"X-Forwarded-For: 203.0.113.9"}, "ok", "valid"},
		} {
			if got := e.events(t, c.local, c.headers...); got != c.events {
				t.Errorf("%s: events %s, want %s", c.name, got, c.events)
			}
			if got := e.verifyFrom(t, c.local, "", c.headers...); got != c.verify {
				t.Errorf("%s: verify %s, want %s", c.name, got, c.verify)
			}
		}
		msg := e.from(refused, http.MethodGet, "/api/v1/audit-logs/events", "", "Authorization: Bearer "+e.audit).
			wantError(t, http.StatusForbidden, "ip_not_allowed")
		if msg != "This API key can't be used from 127.0.0.1: the key's IP allow lists don't include it." {
			t.Errorf("message %q", msg)
		}
	})

	t.Run("TrustedProxy", func(t *testing.T) {
		// 127.0.0.1 is the load balancer; 127.0.0.2 is a client behind it.
		e := newAllowEnv(t, httpapi.Config{TrustedProxies: httpapi.Proxies{netip.MustParsePrefix("127.0.0.1/32")}})
		for _, c := range []struct {
			name, local string
			headers     []string
			want        string // events: ok/code; verify: valid/reason (same words for both here)
		}{
			{"the proxy forwards the allowed client", refused, []string{"X-Forwarded-For: 127.0.0.2"}, "ok"},
			{"Forwarded names the allowed client", refused, []string{`Forwarded: for="127.0.0.2:4711";proto=https`}, "ok"},
			{"the proxy forwards another client", refused, []string{"X-Forwarded-For: 203.0.113.9"}, "ip_not_allowed"},
			{"a client forges the allowed address left of its own", refused, []string{"X-Forwarded-For: 127.0.0.2, 203.0.113.9"}, "ip_not_allowed"},
			{"two header lines: the right-most untrusted hop", refused, []string{"X-Forwarded-For: 127.0.0.2", "X-Forwarded-For: 203.0.113.9"}, "ip_not_allowed"},
			{"trusted hops are skipped", refused, []string{"X-Forwarded-For: 127.0.0.2, 127.0.0.1"}, "ok"},
			{"an unreadable hop stops at the proxy", refused, []string{"X-Forwarded-For: 127.0.0.2, garbage"}, "ip_not_allowed"},
			{"no header: the proxy itself", refused, nil, "ip_not_allowed"},
			{"an untrusted peer's header is ignored", allowed, []string{"X-Forwarded-For: 203.0.113.9"}, "ok"},
		} {
			wantEvents, wantVerify := c.want, c.want
			if c.want == "ok" {
				wantVerify = "valid"
			}
			if got := e.events(t, c.local, c.headers...); got != wantEvents {
				t.Errorf("%s: events %s, want %s", c.name, got, wantEvents)
			}
			if got := e.verifyFrom(t, c.local, "", c.headers...); got != wantVerify {
				t.Errorf("%s: verify %s, want %s", c.name, got, wantVerify)
			}
		}
		// The forwarded client is what last use records.
		if err := e.b.Flush(e.ctx); err != nil {
			t.Fatal(err)
		}
		k, err := e.owner.GetKey(e.ctx, e.impKey.ID)
		if err != nil || k.LastUsedAddr != allowed {
			t.Errorf("last used from %q (%v), want %s", k.LastUsedAddr, err, allowed)
		}
		if !strings.Contains(e.logs.String(), `"client":"127.0.0.2"`) {
			t.Error("the access log does not name the forwarded client")
		}
	})
}

func addressBody(secret, addr string) string {
	b, _ := json.Marshal(map[string]string{"key": secret, "type": "import", "address": addr})
	return string(b)
}

// TestVerifyAddress: verify's "address" is taken only from a trusted proxy or
// with the verify token; otherwise it is refused, not silently replaced.
func TestVerifyAddress(t *testing.T) {
	e := newAllowEnv(t, httpapi.Config{VerifyToken: "s3cret-token",
		TrustedProxies: httpapi.Proxies{netip.MustParsePrefix("127.0.0.3/32")}})
	for _, c := range []struct {
		name, local, addr string
		headers           []string
		want              string
	}{
		{"no token, not a proxy", "127.0.0.1", "127.0.0.2", nil, "400"},
		{"a wrong token", "127.0.0.1", "127.0.0.2", []string{"X-Verify-Token: nope"}, "400"},
		{"the token, an allowed address", "127.0.0.1", "127.0.0.2", []string{"X-Verify-Token: s3cret-token"}, "valid"},
		{"the token, a refused address", "127.0.0.2", "203.0.113.9", []string{"X-Verify-Token: s3cret-token"}, "ip_not_allowed"},
		{"the token, IPv4-mapped", "127.0.0.1", "::ffff:127.0.0.2", []string{"X-Verify-Token: s3cret-token"}, "valid"},
		{"the token, not an address", "127.0.0.1", "example.com", []string{"X-Verify-Token: s3cret-token"}, "400"},
		{"a trusted proxy, no token", "127.0.0.3", "127.0.0.2", nil, "valid"},
		{"a trusted proxy, a refused address", "127.0.0.3", "198.51.100.1", nil, "ip_not_allowed"},
	} {
		if got := e.verifyFrom(t, c.local, addressBody(e.imp, c.addr), c.headers...); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	r := e.from("127.0.0.1", http.MethodPost, "/api/v1/keys/verify", addressBody(e.imp, "127.0.0.2"), "Content-Type: application/json")
	if msg := r.wantError(t, http.StatusBadRequest, "invalid_request"); !strings.Contains(msg, "X-Verify-Token") {
		t.Errorf("the refusal doesn't say how to send an address: %q", msg)
	}
}

// TestRateLimitPerForwardedClient: behind a trusted proxy each forwarded
// client has its own budget.
func TestRateLimitPerForwardedClient(t *testing.T) {
	e := newAllowEnv(t, httpapi.Config{RateLimit: 1, TrustedProxies: httpapi.Proxies{netip.MustParsePrefix("127.0.0.1/32")}})
	get := func(client string) int {
		return e.from("127.0.0.1", http.MethodGet, "/api/v1/openapi.json", "", "X-Forwarded-For: "+client).status
	}
	if got := get("203.0.113.1"); got != http.StatusOK {
		t.Fatalf("first request: %d", got)
	}
	if got := get("203.0.113.1"); got != http.StatusTooManyRequests {
		t.Errorf("second from the same client: %d, want 429", got)
	}
	if got := get("203.0.113.2"); got != http.StatusOK {
		t.Errorf("first from another client behind the same proxy: %d, want 200", got)
	}
}
