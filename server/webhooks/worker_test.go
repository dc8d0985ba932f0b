package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/webhooks"
)

// startWorker runs the delivery worker until the test ends.
func (e *env) startWorker(cfg webhooks.Config) {
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	cfg.Backend = e.b
	if cfg.Poll == 0 {
		cfg.Poll = 5 * time.Millisecond
	}
	go func() { defer close(done); webhooks.Deliver(ctx, cfg) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

func (e *env) addEndpoint(url string, format model.WebhookFormat, events ...model.WebhookEvent) (model.WebhookEndpoint, string) {
	e.t.Helper()
	ep, secret, err := e.owner.AddWebhook(e.ctx, backend.AddWebhookRequest{URL: url, Events: events, Format: format})
	if err != nil {
		e.t.Fatal(err)
	}
	return ep, secret.Reveal()
}

func (e *env) createKey(name string) (model.Key, model.Secret) {
	e.t.Helper()
	k, sec, err := e.owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: name, Type: model.KeyImport,
		Expires: e.b.Policy().Today(e.clock.Now()).AddDays(30)})
	if err != nil {
		e.t.Fatal(err)
	}
	return k, sec
}

func TestDeliverySignedAndVerifiedByTheReceiver(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 200)
	_, secret := e.addEndpoint(rcv.URL+"/hook", "", model.HookKeyCreated)
	e.startWorker(webhooks.Config{Sender: webhooks.NewSender(webhooks.SenderConfig{UserAgent: "apikeys/v1.2.3"})})
	k, sec := e.createKey("Nightly import")

	got := rcv.next(t)
	if !verify(secret, got.header, got.body) {
		t.Errorf("signature does not verify: %v", got.header)
	}
	if ua := got.header.Get("User-Agent"); ua != "apikeys/v1.2.3" {
		t.Errorf("User-Agent = %q", ua)
	}
	if !strings.HasPrefix(got.header.Get("webhook-id"), "msg_") {
		t.Errorf("webhook-id = %q", got.header.Get("webhook-id"))
	}
	var msg struct {
		Type string `json:"type"`
		Data struct {
			KeyID, Name, Hint, ValidThrough string
			Owner                           struct{ Name string }
		} `json:"data"`
	}
	if err := json.Unmarshal(got.body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "key.created" || msg.Data.KeyID != k.ID || msg.Data.Name != "Nightly import" ||
		msg.Data.Hint != k.Hint || msg.Data.Owner.Name != "Olive Owner" || msg.Data.ValidThrough != "2027-04-08" {
		t.Errorf("body = %s", got.body)
	}
	if strings.Contains(string(got.body), sec.String()) || strings.Contains(string(got.body), "apk_imp_") && !strings.Contains(string(got.body), k.Hint) {
		t.Errorf("the body holds the secret: %s", got.body)
	}
	// A tampered body fails the same check: the test's verifier can fail.
	if verify(secret, got.header, append(got.body, ' ')) {
		t.Error("a tampered body verified")
	}
}

func TestRetriedWithTheSameWebhookID(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 500, 200)
	ep, secret := e.addEndpoint(rcv.URL, "", model.HookKeyCreated)
	e.startWorker(webhooks.Config{})
	e.createKey("Retry me")

	first := rcv.next(t)
	eventually(t, "the failed attempt to be recorded", func() bool {
		ds, _ := e.owner.ListDeliveries(e.ctx, backend.DeliveryFilter{EndpointID: ep.ID})
		return len(ds) == 1 && ds[0].Attempts == 1 && ds[0].NextAttemptAt != nil
	})
	ds, _ := e.owner.ListDeliveries(e.ctx, backend.DeliveryFilter{EndpointID: ep.ID})
	if wait := ds[0].NextAttemptAt.Sub(*ds[0].LastAttemptAt); wait != 5*time.Second {
		t.Errorf("first retry after %v, want 5s", wait)
	}
	select {
	case g := <-rcv.got:
		t.Fatalf("retried before its time: %v", g.header)
	default:
	}
	e.clock.Add(5 * time.Second)
	second := rcv.next(t)
	if id := first.header.Get("webhook-id"); id == "" || second.header.Get("webhook-id") != id {
		t.Errorf("webhook-id %q then %q, want the same", id, second.header.Get("webhook-id"))
	}
	if !verify(secret, second.header, second.body) || string(second.body) != string(first.body) {
		t.Error("the retry is not the same signed body")
	}
	eventually(t, "the delivery to be marked delivered", func() bool {
		ds, _ := e.owner.ListDeliveries(e.ctx, backend.DeliveryFilter{EndpointID: ep.ID})
		return ds[0].State == model.DeliveryDelivered && ds[0].Attempts == 2 && len(ds[0].Log) == 2 &&
			ds[0].Log[0].Status == 500 && ds[0].Log[1].Status == 200
	})
}

func TestHangingReceiverTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := webhooks.NewSender(webhooks.SenderConfig{Timeout: 50 * time.Millisecond})
	a := s.Send(context.Background(), backend.WebhookRequest{URL: srv.URL, Body: []byte("{}")})
	if a.Status != 0 || a.OK() || !strings.Contains(a.Error, "timed out") {
		t.Errorf("attempt = %+v, want a timeout without status", a)
	}
	if strings.Contains(a.Error, "127.0.0.1") {
		t.Errorf("the error names the URL: %q", a.Error)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	a := webhooks.NewSender(webhooks.SenderConfig{}).Send(context.Background(), backend.WebhookRequest{URL: srv.URL, Body: []byte("{}")})
	if a.Status != http.StatusTemporaryRedirect || a.OK() || !strings.Contains(a.Error, "redirect") {
		t.Errorf("attempt = %+v, want a failed 307", a)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// endless is a response body that never ends, counting what was read of it.
type endless struct{ read *atomic.Int64 }

func (e endless) Read(p []byte) (int, error) {
	e.read.Add(int64(len(p)))
	return len(p), nil
}

func (endless) Close() error { return nil }

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestResponseReadAtMost64KiB(t *testing.T) {
	var read atomic.Int64
	tr := roundTripper(func(r *http.Request) (*http.Response, error) {
		io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Body: endless{&read}, Header: http.Header{}, Request: r}, nil
	})
	a := webhooks.NewSender(webhooks.SenderConfig{Transport: tr}).Send(context.Background(),
		backend.WebhookRequest{URL: "https://hooks.example.com/x", Body: []byte("{}")})
	if !a.OK() {
		t.Errorf("attempt = %+v", a)
	}
	if n := read.Load(); n > model.WebhookMaxResponse+32<<10 {
		t.Errorf("read %d bytes of the response, want at most about %d", n, model.WebhookMaxResponse)
	}
}

func TestSlackFormatIsUnsignedText(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 200)
	e.addEndpoint(rcv.URL, model.FormatSlack, model.HookKeyCreated)
	e.startWorker(webhooks.Config{})
	e.createKey("Nightly <import>")
	got := rcv.next(t)
	if got.header.Get("webhook-signature") != "" || got.header.Get("webhook-id") != "" {
		t.Errorf("slack delivery carries signing headers: %v", got.header)
	}
	var body map[string]string
	if err := json.Unmarshal(got.body, &body); err != nil || len(body) != 1 {
		t.Fatalf("body %s: %v", got.body, err)
	}
	want := "Olive Owner created API key “Nightly &lt;import&gt;” (Import, owned by Olive Owner), valid through 8 Apr 2027."
	if body["text"] != want {
		t.Errorf("text = %q\nwant   %q", body["text"], want)
	}
}

func TestMetricsHookCountsEachAttempt(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, 503, 200)
	e.addEndpoint(rcv.URL, "", model.HookKeyCreated)
	results := make(chan string, 10)
	e.startWorker(webhooks.Config{OnAttempt: func(r string) { results <- r }})
	e.createKey("Counted")
	if r := <-results; r != webhooks.ResultRejected {
		t.Errorf("first result %q", r)
	}
	e.clock.Add(5 * time.Second)
	if r := <-results; r != webhooks.ResultDelivered {
		t.Errorf("second result %q", r)
	}
}

// The worker claims no more than it can send at once, so a delivery never waits
// in this instance, leased, behind slow receivers long enough to be taken by
// another one too.
func TestWorkerClaimsOnlyWhatItCanSend(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var inFlight atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e.addEndpoint(srv.URL, "", model.HookKeyCreated)
	for range 10 {
		e.createKey("k")
	}
	e.startWorker(webhooks.Config{Concurrency: 2, Batch: 32})
	eventually(t, "two sends in flight", func() bool { return inFlight.Load() == 2 })
	ds, err := e.st.WebhookDeliveries(e.ctx, store.DeliveryQuery{State: model.DeliveryPending})
	if err != nil {
		t.Fatal(err)
	}
	leased := 0
	for _, d := range ds {
		if d.NextAttemptAt.After(e.clock.Now()) {
			leased++
		}
	}
	if leased != 2 {
		t.Errorf("%d deliveries leased with 2 sends in flight, want 2", leased)
	}
}
