package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// A key create with five webhook endpoints subscribed, in a store that
// already holds 1,200 keys and 1,500 deliveries, writes about one page of
// each b-tree: every commit writes each page it changed to the WAL and fsyncs
// it. Before migration 0008 the five deliveries dirtied five pages of an
// index by endpoint, and the key's change stamp was written twice, moving its
// index entry from the index's first page to its last.
func TestKeyCreateWritesFewPages(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	n := 0
	create := func(tx store.Tx) error {
		n++
		id := fmt.Sprintf("key_%06d", n)
		if err := tx.InsertKey(ctx, exportKey(id, now)); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, model.AuditEvent{ID: fmt.Sprintf("evt_%06d", n), Type: model.EventApiKeyCreated,
			EventTimestamp: now, Actor: model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Ana"},
			Source: model.SourceCLI, Payload: json.RawMessage(`{"keyId":"` + id + `"}`)}); err != nil {
			return err
		}
		var ds []model.WebhookDelivery
		for ep := range 5 {
			due := now
			ds = append(ds, model.WebhookDelivery{ID: fmt.Sprintf("msg_%06d_%d", n, ep), EndpointID: fmt.Sprintf("whk_%d", ep),
				Event: model.HookKeyCreated, Body: []byte(`{"type":"key.created","data":{"keyId":"` + id + `"}}`),
				State: model.DeliveryPending, CreatedAt: now, NextAttemptAt: &due})
		}
		return tx.EnqueueDeliveries(ctx, ds)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		for ep := range 5 {
			if err := tx.InsertWebhookEndpoint(ctx, model.WebhookEndpoint{ID: fmt.Sprintf("whk_%d", ep),
				URL: "https://hooks.example.com/", Events: []model.WebhookEvent{model.HookKeyCreated},
				Format: model.FormatStandard, Enabled: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				CreatedAt: now, CreatedBy: "mem_1", UpdatedAt: now}); err != nil {
				return err
			}
		}
		for range 300 {
			if err := create(tx); err != nil {
				return err
			}
		}
		for range 900 {
			n++
			id := fmt.Sprintf("key_%06d", n)
			if err := tx.InsertKey(ctx, exportKey(id, now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const commits = 20
	pages, err := sqlite.PagesWritten(ctx, s, func() error {
		for range commits {
			if err := s.Update(ctx, create); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A b-tree grown at its end writes one page a commit, a little more when
	// a page splits; one grown at random places (api_keys_hash) about as much.
	for name, n := range pages {
		if per := float64(n) / commits; per > 2.5 {
			t.Errorf("%s: %.2f pages a commit, want at most 2.5", name, per)
		}
	}
	if per := float64(pages["api_keys_change_seq"]) / commits; per > 1.5 {
		t.Errorf("the keys' change stamps: %.2f pages of their index a commit, want at most 1.5", per)
	}
	if t.Failed() {
		t.Logf("pages written by %d commits: %v", commits, pages)
	}
}

// A key row inserted by something other than the store (the sqlite3 shell,
// a restore script) doesn't stamp itself; the trigger still does, so a cached
// list finds it by its change stamp.
func TestKeyInsertedOutsideTheStoreIsStamped(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	insertKeys(t, s, "key", 3)
	if keys, err := s.Keys(t.Context(), store.KeyQuery{}); err != nil || len(keys) != 3 {
		t.Fatalf("Keys = %d, %v", len(keys), err)
	}
	full, delta := sqlite.CacheLoads(s)
	if err := sqlite.Exec(t.Context(), s, `INSERT INTO api_keys (id, name, type, hint, hash, created_at,
		created_by, expires_at, updated_at, updated_by, version)
		VALUES ('key_shell', 'From the shell', 'export', 'h', x'0102', 5000000, 'mem_1', 9000000, 5000000, 'mem_1', 1)`); err != nil {
		t.Fatal(err)
	}
	keys, err := s.Keys(t.Context(), store.KeyQuery{})
	if err != nil || len(keys) != 4 || keys[0].ID != "key_shell" && keys[3].ID != "key_shell" {
		t.Fatalf("after an insert outside the store: %d keys, %v", len(keys), err)
	}
	if f, d := sqlite.CacheLoads(s); f != full || d != delta+1 {
		t.Errorf("the key inserted outside the store was read %d times in full and %d incrementally, want 0 and 1", f-full, d-delta)
	}
}

// insertKeys stores n keys prefix_000… through the store.
func insertKeys(t *testing.T, s *sqlite.Store, prefix string, n int) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		for i := range n {
			id := fmt.Sprintf("%s_%03d", prefix, i)
			if err := tx.InsertKey(context.Background(), exportKey(id, now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
