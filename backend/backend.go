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
}

// Backend is shared by every session of a process. It is safe for concurrent use.
type Backend struct {
	store  store.Store
	clock  func() time.Time
	policy model.ExpiryPolicy
	log    *slog.Logger
	usage  usageRecorder
	keys   keyCache
	hooks  hookState
}

// New builds a Backend.
func New(cfg Config) *Backend {
	b := &Backend{store: cfg.Store, clock: cfg.Clock, policy: cfg.Policy, log: cfg.Logger}
	b.store, b.hooks = outbox{Store: cfg.Store, b: b}, newHookState()
	if b.clock == nil {
		b.clock = time.Now
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

// updateKeys runs a transaction that changes keys, then forgets the keys cached for
// authentication so that the change applies to the very next request.
func (b *Backend) updateKeys(ctx context.Context, fn func(store.Tx) error) error {
	err := b.store.Update(ctx, fn)
	b.keys.clear()
	return err
}
