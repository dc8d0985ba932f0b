package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// target is what is measured: the real server (in-process or at -url), the
// ceiling server, and the key and body to verify.
type target struct {
	dir       string
	st        store.Store
	b         *backend.Backend
	owner     *backend.Session
	apiAddr   string // host:port of the real server
	apiBase   string
	ceilAddr  string
	verifyReq []byte // raw POST /api/v1/keys/verify
	stop      []func()
}

func newTarget(ctx context.Context, o options) (_ *target, err error) {
	t := &target{}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	var secret, keyType string
	if o.url != "" {
		if t.apiAddr, err = loopbackAddr(o.url); err != nil {
			return nil, err
		}
		t.apiBase = strings.TrimRight(o.url, "/")
		secret, keyType = os.Getenv("APIKEYS_LOADGEN_KEY"), o.keyType
		if secret == "" {
			return nil, errors.New("with -url, set APIKEYS_LOADGEN_KEY to a key of -type to verify")
		}
	} else {
		if err := t.startServer(ctx, o.db); err != nil {
			return nil, err
		}
		if secret, err = t.createKey(ctx, model.KeyImport); err != nil {
			return nil, err
		}
		keyType = string(model.KeyImport)
	}
	body, _ := json.Marshal(map[string]string{"key": secret, "type": keyType})
	t.verifyReq = postJSON(t.apiAddr, "/api/v1/keys/verify", body)

	// The ceiling answers with exactly the bytes the real server sends for this
	// key, so both put the same response on the wire.
	resp, err := http.Post(t.apiBase+"/api/v1/keys/verify", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	fixed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(fixed), `"valid":true`) {
		return nil, fmt.Errorf("the key does not verify: %d %s", resp.StatusCode, fixed)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ceiling := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(fixed)
		}),
		ReadHeaderTimeout: httpapi.ReadHeaderTimeout, ReadTimeout: httpapi.ReadTimeout,
		WriteTimeout: httpapi.WriteTimeout, IdleTimeout: httpapi.IdleTimeout,
	}
	go func() { _ = ceiling.Serve(ln) }()
	t.stop = append(t.stop, func() { ceiling.Close() })
	t.ceilAddr = ln.Addr().String()
	return t, nil
}

// startServer builds a real backend on a fresh SQLite file (or on the empty
// PostgreSQL database at dbURL) and serves the API as `apikeys serve` does,
// access log included (formatted, then discarded), with a rate limit high enough
// not to refuse the load.
func (t *target) startServer(ctx context.Context, dbURL string) error {
	var err error
	if dbURL != "" {
		pg, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return err
		}
		t.st = pg
	} else {
		if t.dir, err = os.MkdirTemp("", "apikeys-loadgen-"); err != nil {
			return err
		}
		lite, err := sqlite.Open(ctx, filepath.Join(t.dir, "apikeys.db"))
		if err != nil {
			return err
		}
		t.st = lite
	}
	t.b = backend.New(backend.Config{Store: t.st})
	owner, created, err := t.b.Bootstrap(ctx, "Load test", "Olive Owner", "olive@example.com", nil)
	if err != nil {
		return err
	}
	if !created {
		return errors.New("the database already holds a workspace: give -db an empty, throw-away database")
	}
	if t.owner, err = t.b.SessionFor(ctx, owner.ID, model.SourceCLI); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Config{
		Backend:   t.b,
		RateLimit: 1 << 30,
		Logger:    slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = api.Serve(sctx, ln); close(done) }()
	t.stop = append(t.stop, func() { cancel(); <-done })
	t.apiAddr = ln.Addr().String()
	t.apiBase = "http://" + t.apiAddr
	return nil
}

func (t *target) createKey(ctx context.Context, kt model.KeyType) (string, error) {
	_, sec, err := t.owner.CreateKey(ctx, backend.CreateKeyRequest{
		Name: "loadgen " + string(kt), Type: kt, Expires: t.b.Policy().Today(t.b.Now()).AddDays(30),
	})
	return sec.Reveal(), err
}

func (t *target) close() {
	for _, f := range slices.Backward(t.stop) {
		f()
	}
	if t.st != nil {
		t.st.Close()
	}
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
}

// benchVerify runs the ceiling and the real server in turn, -rounds times each.
func benchVerify(ctx context.Context, o options, t *target, out io.Writer) error {
	ceil := load{addr: t.ceilAddr, request: postJSON(t.ceilAddr, "/api/v1/keys/verify", jsonBody(t.verifyReq)), want: []byte(`"valid":true`), n: o.n, c: o.c}
	api := load{addr: t.apiAddr, request: t.verifyReq, want: []byte(`"valid":true`), n: o.n, c: o.c}
	for _, l := range []load{ceil, api} {
		w := l
		w.n = o.warmup
		if r := w.run(); r.failures > 0 {
			return fmt.Errorf("warm-up against %s: %d failures, first: %v", l.addr, r.failures, r.firstErr)
		}
	}
	fmt.Fprintf(out, "\nPOST /api/v1/keys/verify: %d requests per run over %d keep-alive connections, loopback\n", o.n, o.c)
	fmt.Fprintf(out, "%-6s %-28s %10s %9s %9s %9s\n", "round", "server", "req/s", "p50", "p99", "failures")
	var ceilRuns, apiRuns []result
	for round := 1; round <= o.rounds; round++ {
		for _, x := range []struct {
			name string
			l    load
			runs *[]result
		}{{"ceiling (bare net/http)", ceil, &ceilRuns}, {"apikeys (real server)", api, &apiRuns}} {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r := x.l.run()
			*x.runs = append(*x.runs, r)
			fmt.Fprintf(out, "%-6d %-28s %10.0f %9s %9s %9d\n", round, x.name, r.rps(), ms(r.pct(0.50)), ms(r.pct(0.99)), r.failures)
			if r.failures > 0 {
				fmt.Fprintf(out, "       first failure: %v\n", r.firstErr)
			}
		}
	}
	c, a := median(ceilRuns), median(apiRuns)
	fmt.Fprintf(out, "median  ceiling %8.0f req/s (p50 %s, p99 %s)\n", c.rps(), ms(c.pct(0.5)), ms(c.pct(0.99)))
	fmt.Fprintf(out, "median  apikeys %8.0f req/s (p50 %s, p99 %s)\n", a.rps(), ms(a.pct(0.5)), ms(a.pct(0.99)))
	fmt.Fprintf(out, "ratio   %.2f of the ceiling\n", a.rps()/c.rps())
	return nil
}

// jsonBody is the body of a raw request built by postJSON.
func jsonBody(req []byte) []byte {
	_, body, _ := strings.Cut(string(req), "\r\n\r\n")
	return []byte(body)
}

func median(rs []result) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int {
		switch {
		case a.rps() < b.rps():
			return -1
		case a.rps() > b.rps():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// benchPages fills the store and measures pages of 1000 events.
func benchPages(ctx context.Context, o options, t *target, out io.Writer) error {
	fmt.Fprintf(out, "\nGET /api/v1/audit-logs/events: filling the store with %d events…\n", o.events)
	begin := time.Now()
	err := fillEvents(ctx, t.st, t.b.Now(), o.events, func(done int) {
		if done%250_000 == 0 || done == o.events {
			fmt.Fprintf(out, "  %d events, %s\n", done, time.Since(begin).Round(100*time.Millisecond))
		}
	})
	if err != nil {
		return err
	}
	audit, err := t.createKey(ctx, model.KeyAuditLogs)
	if err != nil {
		return err
	}
	now := t.b.Now()
	rfc := func(d time.Duration) string { return url.QueryEscape(now.Add(-d).Format(time.RFC3339)) }
	day := 24 * time.Hour
	cases := []pageCase{
		{name: "newest 1000, default range (24 h)", query: "limit=1000"},
		{name: "newest 1000 of all (from 179 d ago)", query: "limit=1000&from=" + rfc(179*day)},
		{name: "1000 from the middle (to 90 d ago)", query: "limit=1000&from=" + rfc(179*day) + "&to=" + rfc(90*day)},
		{name: "consecutive pages by token", query: "limit=1000&from=" + rfc(179*day) + "&to=" + rfc(90*day), follow: true},
		{name: "eventType filter, 0.1% of events", query: "limit=1000&eventType=UserDeactivated&from=" + rfc(179*day)},
	}
	stats, err := measurePages(ctx, t.apiBase, audit, cases, o.samples)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-38s %7s %9s %9s %9s %9s\n", "case", "events", "bytes", "p50", "p99", "max")
	for _, s := range stats {
		fmt.Fprintf(out, "%-38s %7d %9d %9s %9s %9s\n", s.name, s.events, s.bytes, ms(s.p50), ms(s.p99), ms(s.max))
	}
	return nil
}
