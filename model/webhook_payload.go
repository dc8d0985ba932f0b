package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// WebhookMessage is the JSON body of a standard delivery:
// {"type":"key.expiring","timestamp":"…","data":{…}}. Data is one of the Hook*Data
// structs below; none of them has a field that could hold a secret. These are
// what receivers parse: like the audit payloads they are message shapes, not
// domain types, and contract/openapi_test.go holds them to the "webhooks" section
// of server/httpapi/openapi.json field by field.
type WebhookMessage struct {
	Type      WebhookEvent `json:"type"`
	Timestamp time.Time    `json:"timestamp"`
	Data      HookData     `json:"data"`
}

// HookData is the data of one webhook event.
type HookData interface {
	// SlackText is the event as one sentence for a Slack-style incoming webhook.
	SlackText(e WebhookEvent) string
}

// HookPerson names a member in a payload.
type HookPerson struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// HookKeyData is the data of every key.* event.
type HookKeyData struct {
	KeyID        string      `json:"keyId"`
	Name         string      `json:"name"`
	Type         KeyType     `json:"type"`
	Hint         string      `json:"hint,omitempty"`
	ExpiresAt    *time.Time  `json:"expiresAt,omitempty"`    // the instant it stops working
	ValidThrough string      `json:"validThrough,omitempty"` // its last valid day, YYYY-MM-DD in the workspace zone
	Owner        *HookPerson `json:"owner,omitempty"`
	Actor        *Actor      `json:"actor,omitempty"` // who made the change; absent for scheduled alerts

	// key.rotated
	NewKeyID     string     `json:"newKeyId,omitempty"`
	NewHint      string     `json:"newHint,omitempty"`
	NewExpiresAt *time.Time `json:"newExpiresAt,omitempty"`
	GraceEndsAt  *time.Time `json:"graceEndsAt,omitempty"`

	// key.updated: each changed field's old and new value, as in the audit event.
	Changes json.RawMessage `json:"changes,omitempty"`

	// key.expiring: the days left until the last valid day, and the alert's
	// threshold (14, 7 or 1); they differ when the alert is late.
	DaysLeft      *int `json:"daysLeft,omitempty"`
	ThresholdDays int  `json:"thresholdDays,omitempty"`
	// Late marks a scheduled alert sent after its time (the server was down):
	// DueAt says when it was due.
	Late  bool       `json:"late,omitempty"`
	DueAt *time.Time `json:"dueAt,omitempty"`
}

// HookMemberData is the data of member.deactivated.
type HookMemberData struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Actor    *Actor `json:"actor,omitempty"`
}

// HookAllowlistData is the data of allowlist.changed: which audit event it was and
// that event's payload (ids, names, entries: no secret).
type HookAllowlistData struct {
	AuditEventType EventType       `json:"auditEventType"`
	Detail         json.RawMessage `json:"detail,omitempty"`
	Actor          *Actor          `json:"actor,omitempty"`
}

// HookPingData is the data of a test delivery.
type HookPingData struct {
	EndpointID string `json:"endpointId"`
	Message    string `json:"message"`
}

// WebhookBody renders a message for an endpoint's format: the JSON envelope, or
// {"text": …} for slack.
func WebhookBody(f WebhookFormat, m WebhookMessage) ([]byte, error) {
	if f == FormatSlack {
		return json.Marshal(struct {
			Text string `json:"text"`
		}{m.Data.SlackText(m.Type)})
	}
	return json.Marshal(m)
}

// slackEscape makes untrusted text inert in Slack's mrkdwn (&, <, > are its
// control characters) and on a terminal.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(Sanitize(s))
}

func (d HookKeyData) what() string {
	s := fmt.Sprintf("API key “%s” (%s", slackEscape(d.Name), d.Type.Label())
	if d.Owner != nil {
		s += ", owned by " + slackEscape(d.Owner.Name)
	}
	return s + ")"
}

func actorName(a *Actor) string {
	if a == nil || a.Name == "" {
		return "Someone"
	}
	return slackEscape(a.Name)
}

func humanDate(iso string) string {
	if d, err := ParseDate(iso); err == nil {
		return d.Human()
	}
	return iso
}

func utcMinute(t *time.Time) string {
	if t == nil {
		return "?"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// SlackText implements HookData.
func (d HookKeyData) SlackText(e WebhookEvent) string {
	var s string
	switch e {
	case HookKeyExpiring:
		days := 0
		if d.DaysLeft != nil {
			days = *d.DaysLeft
		}
		when := fmt.Sprintf("in %d days", days)
		if days == 1 {
			when = "tomorrow"
		} else if days == 0 {
			when = "today"
		}
		s = fmt.Sprintf("%s expires %s: it is valid through %s. Rotate it before then.", d.what(), when, humanDate(d.ValidThrough))
	case HookKeyExpired:
		s = fmt.Sprintf("%s has expired: it was valid through %s.", d.what(), humanDate(d.ValidThrough))
	case HookKeyGraceEnding:
		s = fmt.Sprintf("Replaced %s stops working at %s; its replacement is %s.", d.what(), utcMinute(d.ExpiresAt), d.NewKeyID)
	case HookKeyCreated:
		s = fmt.Sprintf("%s created %s, valid through %s.", actorName(d.Actor), d.what(), humanDate(d.ValidThrough))
	case HookKeyUpdated:
		s = fmt.Sprintf("%s edited %s; it is valid through %s.", actorName(d.Actor), d.what(), humanDate(d.ValidThrough))
	case HookKeyRotated:
		s = fmt.Sprintf("%s rotated %s: the old key works until %s.", actorName(d.Actor), d.what(), utcMinute(d.GraceEndsAt))
	case HookKeyDeleted:
		s = fmt.Sprintf("%s deleted %s.", actorName(d.Actor), d.what())
	default:
		s = fmt.Sprintf("%s: %s.", e, d.what())
	}
	if d.Late {
		s += fmt.Sprintf(" (Sent late: it was due %s, while the server was down.)", utcMinute(d.DueAt))
	}
	return s
}

// SlackText implements HookData.
func (d HookMemberData) SlackText(WebhookEvent) string {
	return fmt.Sprintf("%s deactivated member %s (%s).", actorName(d.Actor), slackEscape(d.Name), slackEscape(d.Email))
}

// SlackText implements HookData.
func (d HookAllowlistData) SlackText(WebhookEvent) string {
	return fmt.Sprintf("%s changed the IP allow lists (%s).", actorName(d.Actor), d.AuditEventType)
}

// SlackText implements HookData.
func (d HookPingData) SlackText(WebhookEvent) string {
	return fmt.Sprintf("Test message from apikeys for webhook %s: %s", d.EndpointID, slackEscape(d.Message))
}
