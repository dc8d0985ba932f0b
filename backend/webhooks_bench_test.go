package backend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// BenchmarkCreateKeyWith5Webhooks is BenchmarkCreateKey with five endpoints
// subscribed to key.created: the outbox's cost on a write (five deliveries in the
// same transaction). Compare with BenchmarkCreateKey.
func BenchmarkCreateKeyWith5Webhooks(b *testing.B) {
	c := benchClient(b, 0)
	ctx := context.Background()
	h := c.(client.Webhooks)
	for i := range 5 {
		if _, _, err := h.AddWebhook(ctx, client.AddWebhookRequest{URL: fmt.Sprintf("https://hooks.example.com/%d", i),
			Events: []model.WebhookEvent{model.HookKeyCreated, model.HookKeyExpiring}}); err != nil {
			b.Fatal(err)
		}
	}
	d := c.Policy().Today(c.Now()).AddDays(30)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: "bench", Type: model.KeyExport, Expires: d}); err != nil {
			b.Fatal(err)
		}
	}
}
