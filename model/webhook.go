package model

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebhookEvent names an event a webhook endpoint may subscribe to. These are the
// product's outward event names (dotted, lower case), not the audit event types.
type WebhookEvent string

// The webhook event catalogue.
const (
	HookKeyCreated        WebhookEvent = "key.created"
	HookKeyUpdated        WebhookEvent = "key.updated"
	HookKeyRotated        WebhookEvent = "key.rotated"
	HookKeyDeleted        WebhookEvent = "key.deleted"
	HookKeyExpiring       WebhookEvent = "key.expiring"
	HookKeyExpired        WebhookEvent = "key.expired"
	HookKeyGraceEnding    WebhookEvent = "key.grace_ending"
	HookMemberDeactivated WebhookEvent = "member.deactivated"
	HookAllowlistChanged  WebhookEvent = "allowlist.changed"
	// HookPing is what `webhooks test` sends; every endpoint receives it.
	HookPing WebhookEvent = "ping"
)

// WebhookEvents lists the events an endpoint may subscribe to.
var WebhookEvents = []WebhookEvent{
	HookKeyCreated, HookKeyUpdated, HookKeyRotated, HookKeyDeleted,
	HookKeyExpiring, HookKeyExpired, HookKeyGraceEnding,
	HookMemberDeactivated, HookAllowlistChanged,
}

// ParseWebhookEvent accepts a catalogue name, case-insensitively; "*" or "all"
// is not accepted: an endpoint names what it wants.
func ParseWebhookEvent(s string) (WebhookEvent, error) {
	for _, e := range WebhookEvents {
		if equalFold(strings.TrimSpace(s), string(e)) {
			return e, nil
		}
	}
	names := make([]string, len(WebhookEvents))
	for i, e := range WebhookEvents {
		names[i] = string(e)
	}
	return "", Invalid("event", "Unknown webhook event %s: use one of %s.", Quote(s), strings.Join(names, ", "))
}

// auditToHook maps the audit events that become webhook events.
var auditToHook = map[EventType]WebhookEvent{
	EventApiKeyCreated:             HookKeyCreated,
	EventApiKeyUpdated:             HookKeyUpdated,
	EventApiKeyRotated:             HookKeyRotated,
	EventApiKeyDeleted:             HookKeyDeleted,
	EventUserDeactivated:           HookMemberDeactivated,
	EventIpAllowListCreated:        HookAllowlistChanged,
	EventIpAllowListUpdated:        HookAllowlistChanged,
	EventIpAllowListDeleted:        HookAllowlistChanged,
	EventApiKeyAllowListsChanged:   HookAllowlistChanged,
	EventDefaultIpAllowListChanged: HookAllowlistChanged,
}

// HookFor is the webhook event an audit event becomes, if any.
func HookFor(t EventType) (WebhookEvent, bool) {
	e, ok := auditToHook[t]
	return e, ok
}

// WebhookFormat is how a delivery's body is shaped.
type WebhookFormat string

// Formats: the signed Standard Webhooks envelope, or {"text": …} for Slack-style
// incoming webhooks (unsigned: those URLs are their own secret).
const (
	FormatStandard WebhookFormat = "standard"
	FormatSlack    WebhookFormat = "slack"
)

// ParseWebhookFormat accepts standard (the default for "") or slack.
func ParseWebhookFormat(s string) (WebhookFormat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "standard":
		return FormatStandard, nil
	case "slack":
		return FormatSlack, nil
	}
	return "", Invalid("format", "Unknown webhook format %s: use standard or slack.", Quote(s))
}

// WebhookEndpoint is where events are sent. Secret is the signing secret
// ("whsec_…"); it leaves the store only to sign, and only its hint is shown.
type WebhookEndpoint struct {
	ID             string         `json:"id"` // "whk_…"
	URL            string         `json:"url"`
	Description    string         `json:"description"`
	Events         []WebhookEvent `json:"events"`
	Format         WebhookFormat  `json:"format"`
	Enabled        bool           `json:"enabled"`
	DisabledReason string         `json:"disabledReason,omitempty"`
	FailingSince   *time.Time     `json:"failingSince,omitempty"`
	Secret         string         `json:"-"`
	SecretHint     string         `json:"secretHint"`
	CreatedAt      time.Time      `json:"createdAt"`
	CreatedBy      string         `json:"createdBy"`
	UpdatedAt      time.Time      `json:"updatedAt"`
}

// Wants reports whether the endpoint subscribes to e (ping: always).
func (w WebhookEndpoint) Wants(e WebhookEvent) bool {
	if e == HookPing {
		return true
	}
	for _, x := range w.Events {
		if x == e {
			return true
		}
	}
	return false
}

// MaxWebhookURL bounds an endpoint URL.
const MaxWebhookURL = 2048

// ValidateWebhookURL accepts an absolute http or https URL with a host and no
// credentials in it (they would show in every listing).
func ValidateWebhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalid("url", "Give the endpoint's URL, e.g. https://hooks.example.com/apikeys.")
	}
	if len(s) > MaxWebhookURL {
		return "", Invalid("url", "The URL is longer than %d characters.", MaxWebhookURL)
	}
	for _, r := range s {
		if isControl(r) || isBidiControl(r) || r == ' ' {
			return "", Invalid("url", "The URL holds a space or a control character.")
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", Invalid("url", "The URL must start with http:// or https:// and name a host.")
	}
	if u.User != nil {
		return "", Invalid("url", "Put no user name or password in the URL: they would show in every listing.")
	}
	return u.String(), nil
}

// MaxWebhookDescription bounds an endpoint's description.
const MaxWebhookDescription = 200

// ValidateWebhookDescription trims a description and refuses control characters.
func ValidateWebhookDescription(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len([]rune(s)) > MaxWebhookDescription {
		return "", Invalid("description", "The description is longer than %d characters.", MaxWebhookDescription)
	}
	for _, r := range s {
		if isControl(r) || isBidiControl(r) {
			return "", Invalid("description", "The description holds a control character.")
		}
	}
	return s, nil
}

// WebhookSecretPrefix starts every signing secret, as the Standard Webhooks
// convention has it.
const WebhookSecretPrefix = "whsec_"

// NewWebhookSecret makes a signing secret: whsec_ + base64 of 32 random bytes.
func NewWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// WebhookSecret holds a signing secret as a Secret, so that it prints and
// marshals redacted like an API key's; Reveal shows it, once.
func WebhookSecret(s string) Secret { return Secret{p: &s} }

// WebhookSecretHint is what listings show of a secret: "whsec_Ab3x…".
func WebhookSecretHint(secret string) string {
	body := strings.TrimPrefix(secret, WebhookSecretPrefix)
	if len(body) > 4 {
		body = body[:4]
	}
	return WebhookSecretPrefix + body + "…"
}

// DecodeWebhookSecret is the HMAC key of a secret: the bytes base64-encoded after
// the prefix.
func DecodeWebhookSecret(secret string) ([]byte, error) {
	body, ok := strings.CutPrefix(secret, WebhookSecretPrefix)
	if !ok {
		return nil, Invalid("secret", "A webhook signing secret starts with whsec_.")
	}
	key, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(key) == 0 {
		return nil, Invalid("secret", "The webhook signing secret is not base64 after whsec_.")
	}
	return key, nil
}

// SignWebhook is the webhook-signature header of a Standard Webhooks delivery:
// "v1," + base64(HMAC-SHA256(key, id + "." + unix seconds + "." + body)).
func SignWebhook(key []byte, id string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(unixSeconds(at)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func unixSeconds(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// WebhookTimestamp is the webhook-timestamp header: Unix seconds.
func WebhookTimestamp(at time.Time) string { return unixSeconds(at) }
