package client

import (
	"context"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Allow-list request and result types are the backend's.
type (
	AllowListView          = backend.AllowListView
	CreateAllowListRequest = backend.CreateAllowListRequest
	EditAllowListRequest   = backend.EditAllowListRequest
)

// AllowLists is what a member who may manage IP allow lists can ask (SPEC
// §10); a Client that implements it offers them (backend.Session does). Its
// own interface, asked for with a type assertion, like Webhooks.
type AllowLists interface {
	ListAllowLists(ctx context.Context) ([]AllowListView, error)
	GetAllowList(ctx context.Context, ref string) (AllowListView, error)
	CreateAllowList(ctx context.Context, r CreateAllowListRequest) (AllowListView, error)
	EditAllowList(ctx context.Context, ref string, r EditAllowListRequest) (AllowListView, error)
	DeleteAllowList(ctx context.Context, ref string) error
	SetDefaultAllowList(ctx context.Context, ref string) error
	LinkAllowList(ctx context.Context, ref string, keyIDs []string) error
	UnlinkAllowList(ctx context.Context, ref string, keyIDs []string) error
	// KeyAllowLists is each key's own lists by key id (keys under none absent).
	KeyAllowLists(ctx context.Context) (map[string][]string, error)
}

var _ AllowLists = (*backend.Session)(nil)

// RefusedKey is a key a narrowing change would refuse from some of its recent
// addresses.
type RefusedKey = backend.RefusedKey

// KeyAddresses is where keys were used from over the last 30 days, and the dry
// runs of the changes that narrow where (SPEC §10); asked for with a type
// assertion, like AllowLists.
type KeyAddresses interface {
	KeyAddresses(ctx context.Context, keyID string) ([]model.KeyAddress, error)
	DryRunLinkAllowList(ctx context.Context, ref string, keyIDs []string) ([]RefusedKey, error)
	DryRunEditAllowList(ctx context.Context, ref string, r EditAllowListRequest) ([]RefusedKey, error)
	DryRunSetDefaultAllowList(ctx context.Context, ref string) ([]RefusedKey, error)
	DryRunDeleteAllowList(ctx context.Context, ref string) ([]RefusedKey, error)
	// DryRunRelink judges links and unlinks made together (a form's choice).
	DryRunRelink(ctx context.Context, steps []Relink) ([]RefusedKey, error)
}

// Relink is one step of DryRunRelink.
type Relink = backend.Relink

var _ KeyAddresses = (*backend.Session)(nil)
