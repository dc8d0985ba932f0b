package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// TestKeyChecksInReadOnlyDirectory: KeyChecks reads on a connection of its
// own; opened like the read pool, it reads a read-only directory's database
// and leaves nothing beside it.
func TestKeyChecksInReadOnlyDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "apikeys.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.InsertMember(ctx, cacheMember("mem_ana", "Ana")); err != nil {
			return err
		}
		return tx.InsertKey(ctx, cacheKey("key_1", cacheT0, "mem_ana"))
	})
	s.Close()
	testkit.ReadOnlyDir(t, dir)
	before := testkit.DirListing(t, dir)

	ro := open(t, path)
	var ids []string
	if err := ro.KeyChecks(t.Context(), func(kc *store.KeyCheck) error {
		ids = append(ids, string(kc.ID))
		return nil
	}); err != nil || len(ids) != 1 || ids[0] != "key_1" {
		t.Fatalf("KeyChecks on a read-only store = %q, %v", ids, err)
	}
	if after := testkit.DirListing(t, dir); after != before {
		t.Errorf("files in the read-only directory: %q, then %q", before, after)
	}
}

// TestKeyChecksStopsAtFnsError: fn's error ends the walk and comes back as it
// is; a cancelled context ends it too.
func TestKeyChecksStopsAtFnsError(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.InsertMember(ctx, cacheMember("mem_ana", "Ana")); err != nil {
			return err
		}
		for _, id := range []string{"key_1", "key_2", "key_3"} {
			if err := tx.InsertKey(ctx, cacheKey(id, cacheT0, "mem_ana")); err != nil {
				return err
			}
		}
		return nil
	})
	stop := errors.New("enough")
	n := 0
	err := s.KeyChecks(t.Context(), func(*store.KeyCheck) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("KeyChecks = %v after %d keys, want fn's error after 1", err, n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.KeyChecks(ctx, func(*store.KeyCheck) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("KeyChecks with a cancelled context = %v", err)
	}
}
