// Package contract holds the JSON that scripts read: what `apikeys … --json`
// prints and what the HTTP API sends and takes. Both the CLI and server/httpapi
// build their output from these types and nothing else, and every type is
// documented in server/httpapi/openapi.json, which a test holds them to field
// by field.
//
// The types are separate from model's on purpose: a change to the domain
// (a renamed field, a new one) must not silently change what scripts read.
// Conversions from the domain live here, beside the shapes they fill. Names
// are camelCase and never change; times are RFC 3339 in UTC.
//
// Two kinds of message are typed in model instead, beside the events that fill
// them, and held to the same document by the same test: audit payloads
// (model.*Payload) and what webhook receivers get (model.WebhookMessage).
package contract

import (
	"encoding/json"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Key is an API key as `keys list --json` and friends print it. Every field is
// always present; absent values are null.
type Key struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Hint         string     `json:"hint"`
	State        string     `json:"state"` // active, replaced, expired, revoked
	CreatedAt    time.Time  `json:"createdAt"`
	CreatedBy    MemberRef  `json:"createdBy"`
	Owner        MemberRef  `json:"owner"`        // the creator unless transferred (SPEC §12)
	ExpiresAt    time.Time  `json:"expiresAt"`    // the instant it stops working
	ValidThrough string     `json:"validThrough"` // its last valid day, YYYY-MM-DD, workspace zone
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr *string    `json:"lastUsedAddr"`
	RotatedFrom  *string    `json:"rotatedFrom"`
	ReplacedBy   *string    `json:"replacedBy"`
	DeletedAt    *time.Time `json:"deletedAt"`
	Version      int64      `json:"version"`
	// AllowLists are the ids of the key's own IP allow lists (SPEC §10), where
	// the listing knows them; absent for none (then the default list, if any,
	// applies).
	AllowLists []string `json:"allowLists,omitempty"`
}

// MemberRef names a member.
type MemberRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// KeyOf is k at now, its last valid day counted in p's zone.
func KeyOf(k model.Key, p model.ExpiryPolicy, now time.Time) Key {
	return Key{
		ID: k.ID, Name: k.Name, Type: string(k.Type), Hint: k.Hint,
		State:        k.State(now).String(),
		CreatedAt:    k.CreatedAt.UTC(),
		CreatedBy:    MemberRef{ID: k.CreatedBy, Name: k.CreatedByName},
		Owner:        MemberRef{ID: k.OwnerID, Name: k.OwnerName},
		ExpiresAt:    k.ExpiresAt.UTC(),
		ValidThrough: p.ValidThrough(k.ExpiresAt).String(),
		LastUsedAt:   UTCPtr(k.LastUsedAt),
		LastUsedAddr: strPtr(k.LastUsedAddr),
		RotatedFrom:  strPtr(k.RotatedFrom),
		ReplacedBy:   strPtr(k.ReplacedBy),
		DeletedAt:    UTCPtr(k.DeletedAt),
		Version:      k.Version,
	}
}

// KeysOf is KeyOf for each key; never null, [] for none.
func KeysOf(ks []model.Key, p model.ExpiryPolicy, now time.Time) []Key {
	return each(ks, func(k model.Key) Key { return KeyOf(k, p, now) })
}

// CreatedKey is what `keys create --json` prints: the key and its secret, once.
type CreatedKey struct {
	Key    Key    `json:"key"`
	Secret string `json:"secret"`
}

// RotatedKey is what `keys rotate --json` prints: the new key with its secret,
// shown once, and the old one as it is now.
type RotatedKey struct {
	Key      Key    `json:"key"`
	Replaced Key    `json:"replaced"`
	Secret   string `json:"secret"`
}

// Member is a member as `members … --json` prints it. Its fields mirror
// model.Member's on purpose: this copy is what keeps a domain change out of scripts.
type Member struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	AccountType string    `json:"accountType"`
	Status      string    `json:"status"`
	SSHKeys     []SSHKey  `json:"sshKeys"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Version     int64     `json:"version"`
}

// SSHKey is one of a member's SSH public keys.
type SSHKey struct {
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"publicKey"`
	Comment     string    `json:"comment"`
	AddedAt     time.Time `json:"addedAt"`
}

// MemberOf is m; its SSH keys are never null.
func MemberOf(m model.Member) Member {
	out := Member{
		ID: m.ID, Name: m.Name, Email: m.Email, AccountType: string(m.AccountType),
		Status: string(m.Status), SSHKeys: []SSHKey{},
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(), Version: m.Version,
	}
	for _, k := range m.SSHKeys {
		out.SSHKeys = append(out.SSHKeys, SSHKey{
			Fingerprint: k.Fingerprint, PublicKey: k.PublicKey, Comment: k.Comment, AddedAt: k.AddedAt.UTC(),
		})
	}
	return out
}

// MembersOf is MemberOf for each member; never null.
func MembersOf(ms []model.Member) []Member {
	return each(ms, MemberOf)
}

// AuditEvent is one audit event, as the Audit Logs API serves it and `apikeys audit
// --json` prints it. It mirrors model.AuditEvent on purpose, as Member does.
type AuditEvent struct {
	EventID            string    `json:"eventId"`
	EventType          string    `json:"eventType"`
	EventTimestamp     time.Time `json:"eventTimestamp"`
	IngestionTimestamp time.Time `json:"ingestionTimestamp"`
	Actor              Actor     `json:"actor"`
	Source             string    `json:"source"`
	// Payload is the payload struct of EventType (model.DecodePayload), encoded;
	// a stored payload that doesn't read as its type goes out as stored.
	Payload json.RawMessage `json:"payload"`
}

// Actor is who made a change; model.Actor's shape, kept apart on purpose.
type Actor struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// AuditEventOf is e with its payload read as its type's struct.
func AuditEventOf(e model.AuditEvent) AuditEvent {
	return AuditEvent{
		EventID: e.ID, EventType: string(e.Type),
		EventTimestamp: e.EventTimestamp.UTC(), IngestionTimestamp: e.IngestionTimestamp.UTC(),
		Actor:  Actor{Type: string(e.Actor.Type), ID: e.Actor.ID, Name: e.Actor.Name, Email: e.Actor.Email},
		Source: string(e.Source), Payload: payloadOf(e),
	}
}

func payloadOf(e model.AuditEvent) json.RawMessage {
	if canonicalPayload(e.Type, e.Payload) {
		return e.Payload
	}
	return decodedPayloadOf(e)
}

// decodedPayloadOf is payloadOf the long way: e's payload decoded as its type's
// struct and encoded again.
func decodedPayloadOf(e model.AuditEvent) json.RawMessage {
	if p, err := e.Decode(); err == nil {
		if raw, err := json.Marshal(p); err == nil {
			return raw
		}
	}
	if len(e.Payload) == 0 || !json.Valid(e.Payload) {
		return json.RawMessage("{}")
	}
	return e.Payload
}

// AuditEventsOf is AuditEventOf for each event; never null.
func AuditEventsOf(es []model.AuditEvent) []AuditEvent {
	return each(es, AuditEventOf)
}

// EventPage is the body of GET /api/v1/audit-logs/events. The token is absent on
// the last page.
type EventPage struct {
	Events        []AuditEvent `json:"events"`
	NextPageToken string       `json:"nextPageToken,omitempty"`
}

// VerifyRequest is the body of POST /api/v1/keys/verify. Pointers tell a missing
// field from an empty one.
type VerifyRequest struct {
	Key  *string `json:"key"`
	Type *string `json:"type"`
	// Address is where the key was presented from (SPEC §10), accepted from a
	// trusted proxy or with the verify token.
	Address *string `json:"address,omitempty"`
}

// VerifyValid answers a verify for a key that works.
type VerifyValid struct {
	Valid     bool      `json:"valid"` // always true
	KeyID     string    `json:"keyId"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// VerifyInvalid answers a verify for a key that doesn't, and why.
type VerifyInvalid struct {
	Valid  bool   `json:"valid"` // always false
	Reason string `json:"reason"`
}

// VerifiedOf is the answer for a key that works.
func VerifiedOf(k model.Key) VerifyValid {
	return VerifyValid{Valid: true, KeyID: k.ID, Name: k.Name, Type: string(k.Type), ExpiresAt: k.ExpiresAt.UTC()}
}

// Error is the body of every HTTP error: {"error":{"code":…,"message":…}}.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the code to branch on and the message for people.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// UTCPtr is t in UTC, or nil: how every optional time in a contract is written.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// each is f of every element of xs: how every list in a contract is made, never
// null.
func each[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
