package model

import (
	"encoding/json"
	"time"
)

// EventType names an audit event.
type EventType string

// The audit event types: every change to keys and members, and SSH sign-ins.
const (
	EventApiKeyCreated          EventType = "ApiKeyCreated"
	EventApiKeyUpdated          EventType = "ApiKeyUpdated"
	EventApiKeyDeleted          EventType = "ApiKeyDeleted"
	EventApiKeyRotated          EventType = "ApiKeyRotated"
	EventUserInvited            EventType = "UserInvited"
	EventUserAccountTypeUpdated EventType = "UserAccountTypeUpdated"
	EventUserDeactivated        EventType = "UserDeactivated"
	EventUserReactivated        EventType = "UserReactivated"
	EventSshKeyAdded            EventType = "SshKeyAdded"
	EventSshKeyRemoved          EventType = "SshKeyRemoved"
	EventSshSessionStarted      EventType = "SshSessionStarted"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	EventApiKeyCreated, EventApiKeyUpdated, EventApiKeyDeleted, EventApiKeyRotated,
	EventUserInvited, EventUserAccountTypeUpdated, EventUserDeactivated, EventUserReactivated,
	EventSshKeyAdded, EventSshKeyRemoved, EventSshSessionStarted,
	EventWebhookCreated, EventWebhookDeleted, EventWebhookEnabled, EventWebhookDisabled,
	EventIpAllowListCreated, EventIpAllowListUpdated, EventIpAllowListDeleted,
	EventApiKeyAllowListsChanged, EventDefaultIpAllowListChanged,
	EventApiKeyOwnerChanged,
}

// ParseEventType accepts an event type name, case-insensitively.
func ParseEventType(s string) (EventType, error) {
	for _, t := range EventTypes {
		if equalFold(s, string(t)) {
			return t, nil
		}
	}
	return "", Invalid("eventType", "Unknown event type %s: use one of %s.", Quote(s), EventTypeList())
}

// EventTypeList is every event type's name, for messages and help:
// "ApiKeyCreated, ApiKeyUpdated, …".
func EventTypeList() string { return list(EventTypes) }

// MaxEventPageSize is the most audit events one listing call returns, and the
// default page: the Audit Logs API's `limit` and `apikeys audit --limit` are
// 1 to this.
const MaxEventPageSize = 1000

// ActorType says who made a change.
type ActorType string

// Actor types.
const (
	ActorMember ActorType = "member"
	ActorAPIKey ActorType = "apiKey"
	ActorSystem ActorType = "system"
)

// Actor is who made a change.
type Actor struct {
	Type  ActorType `json:"type"`
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Email string    `json:"email,omitempty"`
}

// AuditEvent is one entry of the audit trail. Payload never holds a secret.
type AuditEvent struct {
	ID                 string          `json:"eventId"`
	Type               EventType       `json:"eventType"`
	EventTimestamp     time.Time       `json:"eventTimestamp"`
	IngestionTimestamp time.Time       `json:"ingestionTimestamp"`
	Actor              Actor           `json:"actor"`
	Source             Source          `json:"source"`
	Payload            json.RawMessage `json:"payload"`
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
