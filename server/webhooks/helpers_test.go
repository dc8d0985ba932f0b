package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	b     *backend.Backend
	st    *sqlite.Store
	clock *testkit.Clock
	owner *backend.Session
}

func newEnv(t *testing.T) *env {
	e := newEnvB(t)
	e.t = t
	return e
}

func newEnvB(t testing.TB) *env {
	t.Helper()
	ws := testkit.NewWorkspace(t, testkit.Options{Start: time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)})
	return &env{ctx: t.Context(), b: ws.Backend, st: ws.Store, clock: ws.Clock, owner: ws.Session(ws.Owner.ID)}
}

// received is one request the receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a real HTTP server on loopback that records every request and
// answers with the next status of its script (the last one repeats).
type receiver struct {
	*httptest.Server
	got    chan received
	mu     sync.Mutex
	script []int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{got: make(chan received, 1000), script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := 200
		if len(r.script) > 0 {
			status = r.script[0]
			if len(r.script) > 1 {
				r.script = r.script[1:]
			}
		}
		r.mu.Unlock()
		r.got <- received{header: req.Header.Clone(), body: body}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// next waits for the next request.
func (r *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case g := <-r.got:
		return g
	case <-time.After(30 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	return received{}
}

// verify checks a Standard Webhooks signature the way a receiver would, written
// here from the convention rather than with the model's code.
func verify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || id == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, id+"."+ts+"."+string(body))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
