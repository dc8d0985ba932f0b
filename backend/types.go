package backend

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// KeyFilter narrows ListKeys.
type KeyFilter struct {
	// ExpiringWithin, when positive, keeps keys whose last valid day falls within
	// this long from now (expired ones excluded) and replaced keys still in grace.
	ExpiringWithin time.Duration
}

// CreateKeyRequest is what the create form and `keys create` send.
type CreateKeyRequest struct {
	Name    string
	Type    model.KeyType
	Expires model.Date // the expiration day, not included
}

// EditKeyRequest changes a key's name and/or expiration. Nil fields stay as they
// are. Version is the version the caller read; 0 means "whatever is current" and is
// for one-shot CLI commands that read and write in one go.
type EditKeyRequest struct {
	Version int64
	Name    *string
	Expires *model.Date
}

// RotateKeyRequest rotates a key. Grace is how long the old key keeps working (one
// of model.Graces; never past its own expiry). Expires nil means the old key's lifetime
// again, capped by the maximum lifetime.
type RotateKeyRequest struct {
	Version int64
	Grace   time.Duration
	Expires *model.Date
}

// Rotation is the result of a rotation: the old key as it is now (replaced, with its
// grace end as ExpiresAt), the new key and its secret, shown once.
type Rotation struct {
	Old    model.Key
	New    model.Key
	Secret model.Secret
}

// AddMemberRequest adds a member.
type AddMemberRequest struct {
	Name        string
	Email       string
	AccountType model.AccountType
	SSHKeys     []string // authorized_keys lines
}

// EventFilter narrows ListEvents. Zero From/To mean unbounded; Limit 0 means 1000.
type EventFilter struct {
	From, To  time.Time
	Types     []model.EventType
	Actor     string // only events by the actor of this id (a member's, an API key's, "system"), or (Session.ListEvents) a member's email; "" anyone
	Key       string // only events about the key of this id (model.AuditEvent.KeyIDs); "" any
	Limit     int
	PageToken string // opaque, from a previous EventPage
	// MaxLookBack, if not zero, refuses a From older than this before now (or
	// none), on every page: the Audit Logs API's 180 days.
	MaxLookBack time.Duration
}

// EventPage is one page of audit events, newest first.
type EventPage struct {
	Events        []model.AuditEvent
	NextPageToken string // empty on the last page
}

// VerifyResult answers POST /api/v1/keys/verify.
type VerifyResult struct {
	Valid  bool
	Key    model.Key // set when Valid
	Reason string    // malformed, unknown, expired, revoked, wrong_type when not Valid
}
