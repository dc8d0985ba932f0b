package model

import (
	"net/url"
	"strconv"
	"strings"
)

// Audit event types of webhook administration.
const (
	EventWebhookCreated  EventType = "WebhookCreated"
	EventWebhookDeleted  EventType = "WebhookDeleted"
	EventWebhookEnabled  EventType = "WebhookEnabled"
	EventWebhookDisabled EventType = "WebhookDisabled" // by a member, or by the server after 3 days of failures
)

// WebhookRef is what the Webhook* audit events say of an endpoint. URL is only
// the scheme, host and first path segment: Slack-style incoming webhook URLs are
// secrets in their own right.
type WebhookRef struct {
	WebhookID string         `json:"webhookId"`
	URL       string         `json:"url"`
	Events    []WebhookEvent `json:"events,omitempty"`
	Format    WebhookFormat  `json:"format,omitempty"`
	Reason    string         `json:"reason,omitempty"`
}

// Subject is the endpoint's URL hint.
func (r WebhookRef) Subject() string { return r.URL }

// The payloads of the Webhook* audit events.
type (
	WebhookCreatedPayload  struct{ WebhookRef }
	WebhookDeletedPayload  struct{ WebhookRef }
	WebhookEnabledPayload  struct{ WebhookRef }
	WebhookDisabledPayload struct{ WebhookRef }
)

func (WebhookCreatedPayload) EventType() EventType  { return EventWebhookCreated }
func (WebhookDeletedPayload) EventType() EventType  { return EventWebhookDeleted }
func (WebhookEnabledPayload) EventType() EventType  { return EventWebhookEnabled }
func (WebhookDisabledPayload) EventType() EventType { return EventWebhookDisabled }

// WebhookPayload is the payload of the Webhook* event t about r.
func WebhookPayload(t EventType, r WebhookRef) Payload {
	switch t {
	case EventWebhookCreated:
		return WebhookCreatedPayload{r}
	case EventWebhookDeleted:
		return WebhookDeletedPayload{r}
	case EventWebhookEnabled:
		return WebhookEnabledPayload{r}
	}
	return WebhookDisabledPayload{r}
}

// WebhookURLHint is what the audit trail shows of an endpoint URL:
// "https://hooks.slack.com/services/…".
func WebhookURLHint(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	if path == "" {
		return out + "/"
	}
	first, rest, _ := strings.Cut(path, "/")
	out += "/" + first
	if rest != "" || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

// ExpiryBannerDays is the window of the expiry banner.
const ExpiryBannerDays = 7

// ExpiryBanner is the line the TUI header and an SSH session's first line show:
// "3 keys expire within 7 days"; empty when n is 0.
func ExpiryBanner(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 key expires within 7 days"
	}
	return strconv.Itoa(n) + " keys expire within 7 days"
}
