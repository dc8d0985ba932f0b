package webhooks_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/webhooks"
)

// BenchmarkDeliveryThroughput measures the worker end to end on SQLite: claim,
// sign, POST to a real loopback receiver, record the attempt. One op is one
// delivery; deliveries/s is reported.
func BenchmarkDeliveryThroughput(b *testing.B) {
	e := newEnvB(b)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got.Add(1)
	}))
	defer srv.Close()
	if _, _, err := e.owner.AddWebhook(e.ctx, backend.AddWebhookRequest{URL: srv.URL, Events: []model.WebhookEvent{model.HookKeyCreated}}); err != nil {
		b.Fatal(err)
	}
	// Fill the outbox first (not timed), then drain it.
	d := e.b.Policy().Today(e.clock.Now()).AddDays(30)
	for range b.N {
		if _, _, err := e.owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "k", Type: model.KeyImport, Expires: d}); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		webhooks.Deliver(ctx, webhooks.Config{Backend: e.b, Poll: time.Millisecond})
	}()
	for {
		ds, err := e.st.WebhookDeliveries(e.ctx, store.DeliveryQuery{State: model.DeliveryPending, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(ds) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
