// Package backend holds the rules that need storage: who may do what, the audit
// trail written with every change, expiry and rotation, and key authentication.
// Everything the TUI, CLI, SSH server and HTTP API do goes through it.
package backend

import (
	"context"
	"log/slog"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Config builds a Backend.
type Config struct {
	Store  store.Store
	Clock  func() time.Time   // nil: time.Now
	Policy model.ExpiryPolicy // time zone and maximum key lifetime
	Logger *slog.Logger       // nil: discard

	// NewID and NewSecret make the ids of new keys, members and workspaces and the
	// secrets of new keys; nil: model.NewID and model.NewSecret, from crypto/rand.
	// The TUI's test double passes predictable ones so that its frames are stable.
	NewID     func(prefix string) string
	NewSecret func(model.KeyType) (model.Secret, error)
	// KeyChecked, if set, is told the result of every presented key the backend
	// judges (Authenticate and Verify): CheckValid, a Reason…, or CheckError. It
	// runs on the request path: it must be quick (a counter), never block.
	KeyChecked func(result string)
}

// Backend is shared by every session of a process. It is safe for concurrent use.
type Backend struct {
	store  store.Store
	clock  func() time.Time
	policy model.ExpiryPolicy
	log    *slog.Logger
	newID  func(prefix string) string
	secret func(model.KeyType) (model.Secret, error)
	usage  usageRecorder
	index  keyIndex
	allow  allowIndex
	feed   feed
	// onCheck is Config.KeyChecked.
	onCheck func(result string)
	hooks   hookState
}

// New builds a Backend.
func New(cfg Config) *Backend {
	b := &Backend{store: cfg.Store, clock: cfg.Clock, policy: cfg.Policy, log: cfg.Logger,
		newID: cfg.NewID, secret: cfg.NewSecret, onCheck: cfg.KeyChecked}
	b.store, b.hooks = outbox{Store: cfg.Store, b: b}, newHookState()
	if b.clock == nil {
		b.clock = time.Now
	}
	if b.newID == nil {
		b.newID = model.NewID
	}
	if b.secret == nil {
		b.secret = model.NewSecret
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b
}

// Now is the backend's clock, in UTC, truncated to the microsecond every store keeps.
func (b *Backend) Now() time.Time { return b.clock().UTC().Truncate(time.Microsecond) }

// Policy is the workspace's expiration rules.
func (b *Backend) Policy() model.ExpiryPolicy { return b.policy }

// updateKeys runs a transaction that changes keys. The store announces the change
// at commit, and the key index applies it before Update returns, so the change
// holds for the very next check.
func (b *Backend) updateKeys(ctx context.Context, fn func(store.Tx) error) error {
	return b.store.Update(ctx, fn)
}
