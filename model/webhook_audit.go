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

// Registered here rather than in audit.go's list so that the webhook work stays in
// its own files; `audit --type WebhookDisabled` and the API's eventType filter
// know them like any other.
func init() {
	EventTypes = append(EventTypes, EventWebhookCreated, EventWebhookDeleted, EventWebhookEnabled, EventWebhookDisabled)
}

// WebhookAuditPayload is the payload of the Webhook* audit events. URL is only
// the scheme, host and first path segment: Slack-style incoming webhook URLs are
// secrets in their own right.
type WebhookAuditPayload struct {
	WebhookID string         `json:"webhookId"`
	URL       string         `json:"url"`
	Events    []WebhookEvent `json:"events,omitempty"`
	Format    WebhookFormat  `json:"format,omitempty"`
	Reason    string         `json:"reason,omitempty"`
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
