package model

import (
	"encoding/json"
	"fmt"
	"time"
)

// Payload is what an audit event says about its subject: one struct per event
// type, below. The backend writes them, the TUI, the CLI and the HTTP API read
// them back through DecodePayload; none of them holds a secret. Their JSON field
// names are part of the published contract (server/httpapi/openapi.json).
type Payload interface {
	// EventType is the event this payload belongs to.
	EventType() EventType
	// Subject is what the event is about, for one column of a list: a key's
	// name, a member's name (or email).
	Subject() string
}

// KeyRef names the key an event is about.
type KeyRef struct {
	KeyID string  `json:"keyId"`
	Name  string  `json:"name"`
	Type  KeyType `json:"type"`
}

// UserRef names the member an event is about.
type UserRef struct {
	UserID    string `json:"userId"`
	UserName  string `json:"userName"`
	UserEmail string `json:"userEmail"`
}

// KeyRefOf is the reference to k.
func KeyRefOf(k Key) KeyRef { return KeyRef{KeyID: k.ID, Name: k.Name, Type: k.Type} }

// UserRefOf is the reference to m.
func UserRefOf(m Member) UserRef { return UserRef{UserID: m.ID, UserName: m.Name, UserEmail: m.Email} }

// Subject is the key's name.
func (r KeyRef) Subject() string { return r.Name }

// Subject is the member's name, or their email when the name is empty.
func (r UserRef) Subject() string {
	if r.UserName != "" {
		return r.UserName
	}
	return r.UserEmail
}

// ApiKeyCreatedPayload is the payload of ApiKeyCreated.
type ApiKeyCreatedPayload struct {
	KeyRef
	Hint      string    `json:"hint"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// ApiKeyDeletedPayload is the payload of ApiKeyDeleted: the key as it was.
type ApiKeyDeletedPayload struct {
	KeyRef
	Hint      string    `json:"hint"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Change is one field's value before and after an edit.
type Change[T any] struct {
	Old T `json:"old"`
	New T `json:"new"`
}

// KeyChanges are the fields an edit changed; the others are nil.
type KeyChanges struct {
	Name      *Change[string]    `json:"name,omitempty"`
	ExpiresAt *Change[time.Time] `json:"expiresAt,omitempty"`
}

// ApiKeyUpdatedPayload is the payload of ApiKeyUpdated. Name is the name after
// the edit.
type ApiKeyUpdatedPayload struct {
	KeyRef
	Changes KeyChanges `json:"changes"`
}

// ApiKeyRotatedPayload is the payload of ApiKeyRotated: KeyRef is the old key.
type ApiKeyRotatedPayload struct {
	KeyRef
	NewKeyID     string    `json:"newKeyId"`
	NewHint      string    `json:"newHint"`
	NewExpiresAt time.Time `json:"newExpiresAt"`
	GraceEndsAt  time.Time `json:"graceEndsAt"` // when the old key stops
}

// UserInvitedPayload is the payload of UserInvited.
type UserInvitedPayload struct {
	UserRef
	AccountType AccountType `json:"accountType"`
}

// UserAccountTypeUpdatedPayload is the payload of UserAccountTypeUpdated.
type UserAccountTypeUpdatedPayload struct {
	UserRef
	NewAccountType      AccountType `json:"newAccountType"`
	PreviousAccountType AccountType `json:"previousAccountType"`
}

// UserDeactivatedPayload is the payload of UserDeactivated.
type UserDeactivatedPayload struct{ UserRef }

// UserReactivatedPayload is the payload of UserReactivated.
type UserReactivatedPayload struct{ UserRef }

// SshKeyAddedPayload is the payload of SshKeyAdded.
type SshKeyAddedPayload struct {
	UserRef
	Fingerprint string `json:"fingerprint"`
}

// SshKeyRemovedPayload is the payload of SshKeyRemoved.
type SshKeyRemovedPayload struct {
	UserRef
	Fingerprint string `json:"fingerprint"`
}

// SshSessionStartedPayload is the payload of SshSessionStarted: who signed in,
// with which key, from where.
type SshSessionStartedPayload struct {
	UserRef
	Fingerprint   string `json:"fingerprint"`
	RemoteAddress string `json:"remoteAddress"`
}

// EventType implements Payload.
func (ApiKeyCreatedPayload) EventType() EventType { return EventApiKeyCreated }

// EventType implements Payload.
func (ApiKeyUpdatedPayload) EventType() EventType { return EventApiKeyUpdated }

// EventType implements Payload.
func (ApiKeyDeletedPayload) EventType() EventType { return EventApiKeyDeleted }

// EventType implements Payload.
func (ApiKeyRotatedPayload) EventType() EventType { return EventApiKeyRotated }

// EventType implements Payload.
func (UserInvitedPayload) EventType() EventType { return EventUserInvited }

// EventType implements Payload.
func (UserAccountTypeUpdatedPayload) EventType() EventType { return EventUserAccountTypeUpdated }

// EventType implements Payload.
func (UserDeactivatedPayload) EventType() EventType { return EventUserDeactivated }

// EventType implements Payload.
func (UserReactivatedPayload) EventType() EventType { return EventUserReactivated }

// EventType implements Payload.
func (SshKeyAddedPayload) EventType() EventType { return EventSshKeyAdded }

// EventType implements Payload.
func (SshKeyRemovedPayload) EventType() EventType { return EventSshKeyRemoved }

// EventType implements Payload.
func (SshSessionStartedPayload) EventType() EventType { return EventSshSessionStarted }

// Subject is the member who signed in.
func (p SshSessionStartedPayload) Subject() string {
	if s := p.UserRef.Subject(); s != "" {
		return s
	}
	if p.Fingerprint != "" {
		return p.Fingerprint
	}
	return p.RemoteAddress
}

// Subject is the member, or the key when the member is not named.
func (p SshKeyAddedPayload) Subject() string { return userOr(p.UserRef, p.Fingerprint) }

// Subject is the member, or the key when the member is not named.
func (p SshKeyRemovedPayload) Subject() string { return userOr(p.UserRef, p.Fingerprint) }

func userOr(r UserRef, fallback string) string {
	if s := r.Subject(); s != "" {
		return s
	}
	return fallback
}

// decoders read each event type's payload: the one place that knows which
// struct belongs to which type.
var decoders = map[EventType]func(json.RawMessage) (Payload, error){
	EventApiKeyCreated:          decode[ApiKeyCreatedPayload],
	EventApiKeyUpdated:          decode[ApiKeyUpdatedPayload],
	EventApiKeyDeleted:          decode[ApiKeyDeletedPayload],
	EventApiKeyRotated:          decode[ApiKeyRotatedPayload],
	EventUserInvited:            decode[UserInvitedPayload],
	EventUserAccountTypeUpdated: decode[UserAccountTypeUpdatedPayload],
	EventUserDeactivated:        decode[UserDeactivatedPayload],
	EventUserReactivated:        decode[UserReactivatedPayload],
	EventSshKeyAdded:            decode[SshKeyAddedPayload],
	EventSshKeyRemoved:          decode[SshKeyRemovedPayload],
	EventSshSessionStarted:      decode[SshSessionStartedPayload],
	EventWebhookCreated:         decode[WebhookCreatedPayload],
	EventWebhookDeleted:         decode[WebhookDeletedPayload],
	EventWebhookEnabled:         decode[WebhookEnabledPayload],
	EventWebhookDisabled:        decode[WebhookDisabledPayload],

	EventIpAllowListCreated:        decode[IpAllowListCreatedPayload],
	EventIpAllowListUpdated:        decode[IpAllowListUpdatedPayload],
	EventIpAllowListDeleted:        decode[IpAllowListDeletedPayload],
	EventApiKeyAllowListsChanged:   decode[ApiKeyAllowListsChangedPayload],
	EventDefaultIpAllowListChanged: decode[DefaultIpAllowListChangedPayload],
	EventApiKeyOwnerChanged:        decode[ApiKeyOwnerChangedPayload],
}

func decode[T Payload](raw json.RawMessage) (Payload, error) {
	var p T
	err := json.Unmarshal(raw, &p)
	return p, err
}

// DecodePayload reads a stored payload as the struct of its event type (a value,
// such as ApiKeyCreatedPayload). Fields it doesn't know are ignored, so events
// written by older versions still read; an empty payload reads as the zero struct.
func DecodePayload(t EventType, raw json.RawMessage) (Payload, error) {
	dec, ok := decoders[t]
	if !ok {
		return nil, fmt.Errorf("decode payload: unknown event type %q", t)
	}
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	p, err := dec(raw)
	if err != nil {
		return nil, fmt.Errorf("decode %s payload: %w", t, err)
	}
	return p, nil
}

// Decode is e's payload as the struct of its type.
func (e AuditEvent) Decode() (Payload, error) { return DecodePayload(e.Type, e.Payload) }

// EncodePayload is p as stored, JSON, and the event type it belongs to: the
// payload's own type is the event's, so the two can't disagree.
func EncodePayload(p Payload) (EventType, json.RawMessage, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("encode %s payload: %w", p.EventType(), err)
	}
	return p.EventType(), raw, nil
}
