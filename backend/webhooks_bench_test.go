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
	benchCreate(b, subscribe5(b, benchClient(b, 0), model.HookKeyCreated))
}

// BenchmarkRotateKeyWith5Webhooks is BenchmarkRotateKey with five endpoints
// subscribed to key.rotated.
func BenchmarkRotateKeyWith5Webhooks(b *testing.B) {
	benchRotate(b, subscribe5(b, benchClient(b, 0), model.HookKeyRotated))
}

// BenchmarkDeleteKeyWith5Webhooks is BenchmarkDeleteKey with five endpoints
// subscribed to key.deleted.
func BenchmarkDeleteKeyWith5Webhooks(b *testing.B) {
	benchDelete(b, subscribe5(b, benchClient(b, b.N), model.HookKeyDeleted))
}

// subscribe5 adds five endpoints that want event (and key.expiring, as most
// will) and returns c.
func subscribe5(b *testing.B, c client.Client, event model.WebhookEvent) client.Client {
	b.Helper()
	h := c.(client.Webhooks)
	for i := range 5 {
		if _, _, err := h.AddWebhook(context.Background(), client.AddWebhookRequest{URL: fmt.Sprintf("https://hooks.example.com/%d", i),
			Events: []model.WebhookEvent{event, model.HookKeyExpiring}}); err != nil {
			b.Fatal(err)
		}
	}
	return c
}
