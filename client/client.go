// Package client is what the TUI and the CLI call: the Client interface, and Local,
// its in-process implementation over the backend.
package client

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Request and result types are the backend's; the aliases let callers depend on
// this package alone.
type (
	KeyFilter        = backend.KeyFilter
	CreateKeyRequest = backend.CreateKeyRequest
	EditKeyRequest   = backend.EditKeyRequest
	RotateKeyRequest = backend.RotateKeyRequest
	Rotation         = backend.Rotation
	AddMemberRequest = backend.AddMemberRequest
	EventFilter      = backend.EventFilter
	EventPage        = backend.EventPage
)

// Client is everything a signed-in member can ask of the workspace. Every method
// checks the member's current permissions in the backend; errors are model errors
// (see model.KindOf) with messages fit to show as they are.
type Client interface {
	// Me is the signed-in member as stored now.
	Me(ctx context.Context) (model.Member, error)
	// Workspace is the workspace the member is in.
	Workspace(ctx context.Context) (model.Workspace, error)
	// Policy is the workspace's expiration rules and time zone.
	Policy() model.ExpiryPolicy
	// Now is the backend's clock.
	Now() time.Time

	ListKeys(ctx context.Context, f KeyFilter) ([]model.Key, error)
	GetKey(ctx context.Context, id string) (model.Key, error)
	CreateKey(ctx context.Context, r CreateKeyRequest) (model.Key, model.Secret, error)
	EditKey(ctx context.Context, id string, r EditKeyRequest) (model.Key, error)
	DeleteKey(ctx context.Context, id string, version int64) (model.Key, error)
	RotateKey(ctx context.Context, id string, r RotateKeyRequest) (Rotation, error)

	ListMembers(ctx context.Context) ([]model.Member, error)
	AddMember(ctx context.Context, r AddMemberRequest) (model.Member, error)
	// Members are named by id or email.
	SetAccountType(ctx context.Context, member string, t model.AccountType, version int64) (model.Member, error)
	Deactivate(ctx context.Context, member string, version int64) (model.Member, error)
	Reactivate(ctx context.Context, member string, version int64) (model.Member, error)
	AddSSHKey(ctx context.Context, member, authorizedKey string) (model.Member, error)
	RemoveSSHKey(ctx context.Context, member, fingerprint string) (model.Member, error)

	ListEvents(ctx context.Context, f EventFilter) (EventPage, error)
}

// Usage, hygiene and ownership types are the backend's (SPEC §12).
type (
	HealthQuery = backend.HealthQuery
	KeyHealth   = backend.KeyHealth
)

// Hygiene is what a member who may see key usage can ask (SPEC §12), and the
// key ownership changes; a Client that implements it offers them
// (backend.Session does). Its own interface, asked for with a type assertion,
// like AllowLists.
type Hygiene interface {
	// KeyUsage is a key's checks per workspace day over the last days days
	// (0: 30), oldest first, every day present.
	KeyUsage(ctx context.Context, keyID string, days int) ([]model.UsageDay, error)
	// UsageTotals is every key's checks over the last days days (0: 30), by key id.
	UsageTotals(ctx context.Context, days int) (map[string]model.UsageTotal, error)
	// KeyHealth lists every live key with its hygiene buckets (model.Hygiene),
	// 30-day usage and allow lists.
	KeyHealth(ctx context.Context, q HealthQuery) ([]KeyHealth, error)
	// TransferKey makes member (id or email) the key's owner; version 0: any.
	TransferKey(ctx context.Context, keyID, member string, version int64) (model.Key, error)
	// OwnedKeys lists the live keys a member owns.
	OwnedKeys(ctx context.Context, member string) ([]model.Key, error)
	// DeactivateTransfer deactivates a member and, in the same transaction,
	// transfers their live keys to transferTo ("" leaves them: they keep
	// working); it returns the keys that were theirs.
	DeactivateTransfer(ctx context.Context, member string, version int64, transferTo string) (model.Member, []model.Key, error)
	// RetireKey ends a replaced key's grace now.
	RetireKey(ctx context.Context, keyID string, version int64) (model.Key, error)
}
