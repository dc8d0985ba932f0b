package contract

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Webhook is a webhook endpoint as `webhooks list|enable|disable --json` prints
// it: never its signing secret, only the hint.
type Webhook struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	Format         string     `json:"format"` // standard or slack
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabledReason,omitempty"`
	FailingSince   *time.Time `json:"failingSince,omitempty"`
	SecretHint     string     `json:"secretHint"`
	CreatedAt      time.Time  `json:"createdAt"`
}

// WebhookOf is w without its secret; its events are never null.
func WebhookOf(w model.WebhookEndpoint) Webhook {
	return Webhook{
		ID: w.ID, URL: w.URL, Description: w.Description, Events: each(w.Events, func(e model.WebhookEvent) string { return string(e) }), Format: string(w.Format),
		Enabled: w.Enabled, DisabledReason: w.DisabledReason, FailingSince: UTCPtr(w.FailingSince),
		SecretHint: w.SecretHint, CreatedAt: w.CreatedAt.UTC(),
	}
}

// WebhooksOf is WebhookOf for each endpoint; never null.
func WebhooksOf(ws []model.WebhookEndpoint) []Webhook {
	return each(ws, WebhookOf)
}

// CreatedWebhook is what `webhooks add --json` prints: the endpoint and its
// signing secret, once; no secret for the slack format, which is unsigned.
type CreatedWebhook struct {
	Webhook Webhook `json:"webhook"`
	Secret  string  `json:"secret,omitempty"`
}

// RemovedWebhook is what `webhooks remove --json` prints.
type RemovedWebhook struct {
	Removed string `json:"removed"` // the endpoint's id
}

// WebhookDelivery is one event for one endpoint with its attempts, as
// `webhooks deliveries --json` prints it. Its id is the webhook-id header the
// receiver saw.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	EndpointID    string           `json:"endpointId"`
	Event         string           `json:"event"`
	State         string           `json:"state"` // pending, delivered, failed
	CreatedAt     time.Time        `json:"createdAt"`
	NextAttemptAt *time.Time       `json:"nextAttemptAt,omitempty"`
	Attempts      []WebhookAttempt `json:"attempts"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	DeliveryID string    `json:"deliveryId"`
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"` // the HTTP status; absent: no answer (timeout, refused…)
	Error      string    `json:"error,omitempty"`
	DurationNs int64     `json:"durationNs"`
}

// WebhookDeliveryOf is d with its attempts, oldest first; never null.
func WebhookDeliveryOf(d model.WebhookDelivery, attempts []model.WebhookAttempt) WebhookDelivery {
	return WebhookDelivery{
		ID: d.ID, EndpointID: d.EndpointID, Event: string(d.Event), State: string(d.State),
		CreatedAt: d.CreatedAt.UTC(), NextAttemptAt: UTCPtr(d.NextAttemptAt), Attempts: each(attempts, WebhookAttemptOf),
	}
}

// WebhookAttemptOf is a.
func WebhookAttemptOf(a model.WebhookAttempt) WebhookAttempt {
	return WebhookAttempt{DeliveryID: a.DeliveryID, At: a.At.UTC(), Status: a.Status, Error: a.Error, DurationNs: a.Duration.Nanoseconds()}
}

// WebhookTest is what `webhooks test --json` prints: the ping's delivery and the
// attempt just made.
type WebhookTest struct {
	Delivery WebhookDelivery `json:"delivery"`
	Attempt  WebhookAttempt  `json:"attempt"`
}

// Backup is what `backup --json` prints.
type Backup struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Bytes int64  `json:"bytes"` // the size of the copy
}

// Config is what `config show --json` prints: the file read (null: none) and
// every setting with where its value came from.
type Config struct {
	File     *string   `json:"file"`
	Settings []Setting `json:"settings"`
}

// Setting is one setting's effective value.
type Setting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"` // default, flag, env …, file …
}
