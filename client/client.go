// Package client is what the TUI and the CLI call: the Client interface, and Local,
// its in-process implementation over the backend.
package client

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Request and result types are the backend's; the aliases let callers depend on
// this package alone.
type (
	KeyFilter        = backend.KeyFilter
	KeyPage          = backend.KeyPage
	KeyCursor        = store.KeyCursor
	KeyPageQuery     = backend.KeyPageQuery
	CreateKeyRequest = backend.CreateKeyRequest
	EditKeyRequest   = backend.EditKeyRequest
	RotateKeyRequest = backend.RotateKeyRequest
	Rotation         = backend.Rotation
	AddMemberRequest = backend.AddMemberRequest
	EventFilter      = backend.EventFilter
	EventPage        = backend.EventPage
)

// Listed reports whether ListKeys lists a key at a time.
var Listed = backend.Listed

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
	// ListKeysPage is one page of ListKeys' list: the first (After nil) of
	// at most Limit keys, then the next from where the last page ended.
	ListKeysPage(ctx context.Context, q KeyPageQuery) (KeyPage, error)
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
