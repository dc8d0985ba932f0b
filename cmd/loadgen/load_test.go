package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadSendsExactlyN(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "no json", 400)
			return
		}
		w.Write([]byte(`{"valid":true}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	l := load{addr: addr, request: postJSON(addr, "/v", []byte(`{}`)), want: []byte(`"valid":true`), n: 300, c: 4}
	r := l.run()
	if r.requests != 300 || len(r.latency) != 300 || r.failures != 0 || served.Load() != 300 {
		t.Fatalf("requests %d, latencies %d, failures %d (%v), served %d; want 300 each and no failure",
			r.requests, len(r.latency), r.failures, r.firstErr, served.Load())
	}
	if r.pct(0.5) <= 0 || r.pct(0.99) < r.pct(0.5) || r.rps() <= 0 {
		t.Errorf("p50 %v p99 %v rps %v", r.pct(0.5), r.pct(0.99), r.rps())
	}

	// A wrong answer is a failure, not a measurement.
	l.want = []byte(`"valid":false`)
	if r := l.run(); r.failures != 300 || len(r.latency) != 0 {
		t.Errorf("unexpected bodies: failures %d, latencies %d; want 300 and 0", r.failures, len(r.latency))
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:9"} {
		if _, err := loopbackAddr(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"http://192.0.2.1:8080", "https://127.0.0.1", "127.0.0.1:8080", "http://10.1.2.3"} {
		if _, err := loopbackAddr(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// TestRunSmall runs the whole program on small numbers: both servers, the
// ratio, and every audit page case on a store of a few thousand events.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	o := options{n: 200, c: 2, rounds: 1, warmup: 10, events: 3000, samples: 3}
	if err := run(context.Background(), o, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"ceiling (bare net/http)", "apikeys (real server)", "ratio", "consecutive pages by token", "eventType filter"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "first failure") {
		t.Errorf("failures in a small run:\n%s", out.String())
	}
}

// processCPU reads a process's CPU time from /proc: this one's grows as it
// works; a process that isn't there has none.
func TestProcessCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	sum := sha256.New()
	deadline := time.Now().Add(time.Minute)
	for processCPU(os.Getpid()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no CPU time read for this process after a minute of hashing")
		}
		sum.Write(make([]byte, 1<<20))
	}
	if got := processCPU(1 << 30); got != 0 {
		t.Errorf("CPU of a process that doesn't exist: %v", got)
	}
}

// TestOpenLoopCountsFromDue: in the open loop a request's latency runs from
// when it was due, so one slow answer is charged to every request that waited
// behind it. One connection, three requests all due at once, the first
// answered 20 ms late (a slow server, not a wait in the test): the other two
// waited for it and their latencies say so. Measured from the send, as the
// closed loop does, they would be a loopback round trip.
func TestOpenLoopCountsFromDue(t *testing.T) {
	const slow = 20 * time.Millisecond
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == 1 {
			time.Sleep(slow)
		}
		w.Write([]byte(`{"valid":true}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	l := load{addr: addr, request: postJSON(addr, "/v", []byte(`{}`)), want: []byte(`"valid":true`), n: 3, c: 1, rate: 1e9}
	r := l.run()
	if r.requests != 3 || r.failures != 0 {
		t.Fatalf("requests %d, failures %d (%v); want 3 and none", r.requests, r.failures, r.firstErr)
	}
	for i, d := range r.latency {
		if d < slow {
			t.Errorf("latency %d is %v: less than the %v the first answer kept every request waiting", i, d, slow)
		}
	}
	if r.late != 2 {
		t.Errorf("late %d; want 2 (the two sent after the slow answer)", r.late)
	}
}
