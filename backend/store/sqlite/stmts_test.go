package sqlite_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// stmtFixture is a store with a member and a webhook endpoint, and the
// transactions of a key's life as the backend runs them: each reads the
// acting member, writes the key, appends the audit event and enqueues its
// webhook deliveries (the outbox reads the endpoints for that).
type stmtFixture struct {
	t   *testing.T
	s   *sqlite.Store
	now time.Time
	n   int
}

func newStmtFixture(t *testing.T) *stmtFixture {
	f := &stmtFixture{t: t, s: open(t, filepath.Join(t.TempDir(), "apikeys.db")),
		now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	ctx := t.Context()
	err := f.s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertMember(ctx, model.Member{ID: "mem_1", Name: "Ana", Email: "ana@example.com",
			AccountType: model.PrimaryOwner, Status: model.StatusActive, CreatedAt: f.now, UpdatedAt: f.now}); err != nil {
			return err
		}
		return tx.InsertWebhookEndpoint(ctx, model.WebhookEndpoint{ID: "whk_1", URL: "https://hooks.example.com/1",
			Events: []model.WebhookEvent{model.HookKeyCreated}, Format: model.FormatStandard, Enabled: true,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: f.now, CreatedBy: "mem_1", UpdatedAt: f.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// change runs one key change: write (InsertKey or UpdateKey) and its event
// and delivery, then fail if fail is set (the transaction rolls back).
func (f *stmtFixture) change(write func(tx store.Tx) error, fail error) error {
	ctx := f.t.Context()
	f.n++
	return f.s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Member(ctx, "mem_1"); err != nil {
			return err
		}
		if err := write(tx); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, model.AuditEvent{ID: fmt.Sprintf("evt_%04d", f.n), Type: model.EventApiKeyCreated,
			EventTimestamp: f.now, Actor: model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Ana"},
			Source: model.SourceCLI, Payload: json.RawMessage(`{"keyId":"key_1"}`)}); err != nil {
			return err
		}
		eps, err := tx.WebhookEndpoints(ctx)
		if err != nil || len(eps) != 1 {
			return fmt.Errorf("endpoints: %d, %v", len(eps), err)
		}
		due := f.now
		if err := tx.EnqueueDeliveries(ctx, []model.WebhookDelivery{{ID: fmt.Sprintf("msg_%04d", f.n), EndpointID: "whk_1",
			Event: model.HookKeyCreated, Body: []byte(`{}`), State: model.DeliveryPending, CreatedAt: f.now, NextAttemptAt: &due}}); err != nil {
			return err
		}
		return fail
	})
}

func (f *stmtFixture) insert(id string, fail error) error {
	return f.change(func(tx store.Tx) error {
		return tx.InsertKey(f.t.Context(), exportKey(id, f.now))
	}, fail)
}

func (f *stmtFixture) rename(id, name string) error {
	return f.change(func(tx store.Tx) error {
		k, err := tx.Key(f.t.Context(), id)
		if err != nil {
			return err
		}
		k.Name = name
		_, err = tx.UpdateKey(f.t.Context(), k)
		return err
	}, nil)
}

// The statements of a key create or change are prepared once, on the writer
// connection, not parsed again in each transaction: a create used to parse
// six, a quarter of its CPU. A rolled-back transaction leaves them usable.
func TestKeyChangesParseNoSQL(t *testing.T) {
	f := newStmtFixture(t)
	before := sqlite.ParsedInTransactions(f.s)
	if err := f.insert("key_1", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.rename("key_1", "deploy (prod)"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := f.insert("key_2", boom); !errors.Is(err, boom) {
		t.Fatalf("failing transaction: %v", err)
	}
	if err := f.insert("key_3", nil); err != nil {
		t.Fatalf("after a rollback: %v", err)
	}
	if n := sqlite.ParsedInTransactions(f.s) - before; n != 0 {
		t.Errorf("key changes parsed %d statements in their transactions, want 0 (one missing from writeQueries?)", n)
	}
	if _, err := f.s.Key(t.Context(), "key_2"); model.KindOf(err) != model.KindNotFound {
		t.Errorf("the rolled-back key: %v, want not found", err)
	}
	if k, err := f.s.Key(t.Context(), "key_1"); err != nil || k.Name != "deploy (prod)" || k.Version != 2 {
		t.Errorf("key_1 = %q v%d, %v", k.Name, k.Version, err)
	}
	if ds, err := f.s.WebhookDeliveries(t.Context(), store.DeliveryQuery{}); err != nil || len(ds) != 3 {
		t.Errorf("deliveries: %d, %v; want 3 (the rolled-back one gone)", len(ds), err)
	}
}

// The statements are prepared per connection: when the writer's connection
// is replaced, the next transaction prepares them on the new one and runs
// them there, with nothing parsed per transaction either.
func TestWriteStatementsFollowANewConnection(t *testing.T) {
	f := newStmtFixture(t)
	if err := f.insert("key_1", nil); err != nil {
		t.Fatal(err)
	}
	closed := sqlite.WriterConnsClosed(f.s)
	sqlite.ReplaceWriterConn(f.s)
	if sqlite.WriterConnsClosed(f.s) != closed+1 {
		t.Fatal("the writer's connection was not closed")
	}
	before := sqlite.ParsedInTransactions(f.s)
	if err := f.insert("key_2", nil); err != nil {
		t.Fatalf("on a new connection: %v", err)
	}
	if err := f.rename("key_2", "renamed"); err != nil {
		t.Fatal(err)
	}
	if n := sqlite.ParsedInTransactions(f.s) - before; n != 0 {
		t.Errorf("parsed %d statements in transactions, want 0", n)
	}
	if k, err := f.s.Key(t.Context(), "key_2"); err != nil || k.Name != "renamed" {
		t.Errorf("key_2 = %q, %v", k.Name, err)
	}
}

// exportKey is a key of mem_1's created at now, expiring a day later.
func exportKey(id string, now time.Time) model.Key {
	return model.Key{ID: id, Name: "deploy", Type: model.KeyExport, Hint: "apk_exp_…",
		Hash: model.HashSecret(id), CreatedAt: now, CreatedBy: "mem_1", ExpiresAt: now.Add(24 * time.Hour),
		UpdatedAt: now, UpdatedBy: "mem_1", Version: 1}
}
