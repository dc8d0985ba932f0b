package model

import "time"

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states. A pending delivery has a next attempt; delivered got a 2xx;
// failed ran out of retries or its endpoint was disabled.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// WebhookDelivery is one event for one endpoint: the outbox row. Its ID is the
// webhook-id header, the same on every attempt, so a receiver can drop
// duplicates. Body is the exact bytes sent (and signed).
type WebhookDelivery struct {
	ID            string        `json:"id"` // "msg_…"
	EndpointID    string        `json:"endpointId"`
	Event         WebhookEvent  `json:"event"`
	Body          []byte        `json:"-"`
	State         DeliveryState `json:"state"`
	Attempts      int           `json:"attempts"`
	CreatedAt     time.Time     `json:"createdAt"`
	NextAttemptAt *time.Time    `json:"nextAttemptAt,omitempty"`
	LastAttemptAt *time.Time    `json:"lastAttemptAt,omitempty"`
	LastStatus    int           `json:"lastStatus,omitempty"` // HTTP status of the last attempt; 0: no answer
	LastError     string        `json:"lastError,omitempty"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	DeliveryID string        `json:"deliveryId"`
	At         time.Time     `json:"at"`
	Status     int           `json:"status,omitempty"` // 0: no HTTP answer (timeout, refused…)
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"durationNs"`
}

// OK reports whether the receiver accepted the delivery (any 2xx).
func (a WebhookAttempt) OK() bool { return a.Status >= 200 && a.Status < 300 }

// WebhookRetries is the wait before each retry after a failed attempt: about
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily for 3 days. After the last one
// fails the delivery is given up.
var WebhookRetries = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour,
	24 * time.Hour, 24 * time.Hour, 24 * time.Hour,
}

// NextWebhookRetry is the wait after the attempts-th failed attempt (1 for the
// first), and false when no retry is left.
func NextWebhookRetry(attempts int) (time.Duration, bool) {
	if attempts < 1 || attempts > len(WebhookRetries) {
		return 0, false
	}
	return WebhookRetries[attempts-1], true
}

// WebhookDisableAfter is how long an endpoint may fail every delivery before it is
// disabled.
const WebhookDisableAfter = 3 * 24 * time.Hour

// Webhook sending limits.
const (
	WebhookTimeout      = 10 * time.Second
	WebhookMaxResponse  = 64 << 10
	WebhookMaxErrorText = 200 // characters of an error kept with an attempt
)

// Expiry alert thresholds: days before a key's last valid day.
var ExpiryAlertDays = []int{14, 7, 1}

// GraceAlertBefore is how long before a replaced key stops that key.grace_ending
// is sent.
const GraceAlertBefore = 24 * time.Hour
