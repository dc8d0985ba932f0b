package client

import (
	"context"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Webhook request and result types are the backend's.
type (
	AddWebhookRequest = backend.AddWebhookRequest
	DeliveryFilter    = backend.DeliveryFilter
	DeliveryView      = backend.DeliveryView
	WebhookSender     = backend.WebhookSender
)

// Webhooks is what a member who may manage webhooks can ask; a Client that
// implements it offers webhooks (backend.Session does). It is its own interface,
// asked for with a type assertion, so that clients without webhooks (test
// doubles) need not grow these methods.
type Webhooks interface {
	ListWebhooks(ctx context.Context) ([]model.WebhookEndpoint, error)
	// AddWebhook returns the endpoint and its signing secret, shown this once.
	AddWebhook(ctx context.Context, r AddWebhookRequest) (model.WebhookEndpoint, model.Secret, error)
	RemoveWebhook(ctx context.Context, id string) error
	SetWebhookEnabled(ctx context.Context, id string, enabled bool) (model.WebhookEndpoint, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryView, error)
	// TestWebhook sends a ping through send now and records it.
	TestWebhook(ctx context.Context, id string, send WebhookSender) (model.WebhookDelivery, model.WebhookAttempt, error)
	// ExpiringCount is how many keys the member may manage expire within 7 days.
	ExpiringCount(ctx context.Context) (int, error)
}

var _ Webhooks = (*backend.Session)(nil)
