package store

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// WebhookReader reads webhook endpoints, their deliveries and the alerts sent.
type WebhookReader interface {
	// WebhookEndpoints lists endpoints oldest first, secrets included.
	WebhookEndpoints(ctx context.Context) ([]model.WebhookEndpoint, error)
	// WebhookEndpoint returns one endpoint, or KindNotFound.
	WebhookEndpoint(ctx context.Context, id string) (model.WebhookEndpoint, error)
	// WebhookDeliveries lists deliveries newest first (CreatedAt, then ID).
	WebhookDeliveries(ctx context.Context, q DeliveryQuery) ([]model.WebhookDelivery, error)
	// WebhookAttempts lists a delivery's attempts, oldest first.
	WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error)
	// AlertsSent lists the (key, alert) pairs already claimed by ClaimAlert.
	AlertsSent(ctx context.Context) ([]AlertMark, error)
}

// DeliveryQuery filters WebhookDeliveries. Limit 0 means no limit.
type DeliveryQuery struct {
	EndpointID string // empty: every endpoint
	State      model.DeliveryState
	Limit      int
}

// AlertMark is one scheduled alert of one key: "expiring:7", "expired",
// "grace_ending".
type AlertMark struct {
	KeyID string
	Alert string
	At    time.Time // when it was claimed
}

// WebhookTx writes webhook state inside a transaction.
type WebhookTx interface {
	WebhookReader

	// InsertWebhookEndpoint stores a new endpoint.
	InsertWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error
	// UpdateWebhookEndpoint writes Enabled, DisabledReason, FailingSince and
	// UpdatedAt; KindNotFound if there is no such endpoint.
	UpdateWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error
	// DeleteWebhookEndpoint removes an endpoint with its deliveries and attempts.
	DeleteWebhookEndpoint(ctx context.Context, id string) error
	// EnqueueDeliveries adds deliveries to the outbox.
	EnqueueDeliveries(ctx context.Context, ds []model.WebhookDelivery) error
	// RecordAttempt stores an attempt and the delivery's new state (State,
	// Attempts, NextAttemptAt, LastAttemptAt, LastStatus, LastError).
	RecordAttempt(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error
	// FailPending gives up every pending delivery of an endpoint (it was disabled).
	FailPending(ctx context.Context, endpointID string) error
	// PruneDeliveries deletes the delivered and failed deliveries (with their
	// attempts) created before before, and reports how many.
	PruneDeliveries(ctx context.Context, before time.Time) (int, error)
	// ClaimAlert records that alert was sent for key; false if it already was
	// (by this or any other instance), in which case the caller sends nothing.
	ClaimAlert(ctx context.Context, keyID, alert string, at time.Time) (bool, error)
}

// WebhookStore is the part of a Store the delivery worker needs outside a
// transaction.
type WebhookStore interface {
	// ClaimDeliveries takes up to limit pending deliveries of enabled endpoints
	// due at now, oldest due first, and leases them until now+lease by moving
	// their next attempt there: another instance skips them, and a delivery whose
	// instance dies mid-send comes back once the lease ends (at least once).
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.WebhookDelivery, error)
}
