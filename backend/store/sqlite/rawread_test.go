package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// TestKeyChecksWhileTheStoreCloses: a walk in flight when the store closes
// reads on to its end from the connection it holds (its own SQLite handle,
// closed as it comes back, not under it), and a read that starts after the
// close is refused, not handed a closed connection. Two Closes at once are
// safe. Run under -race: the pool's state is shared by the walk and Close.
func TestKeyChecksWhileTheStoreCloses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
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
	var ids []string
	err = s.KeyChecks(t.Context(), func(kc *store.KeyCheck) error {
		if len(ids) == 0 {
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() { _ = s.Close() })
			}
			wg.Wait()
		}
		ids = append(ids, string(kc.ID)) // read after the close
		return nil
	})
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, []string{"key_1", "key_2", "key_3"}) {
		t.Fatalf("KeyChecks across a Close = %q, %v; want every key", ids, err)
	}
	err = s.KeyChecks(t.Context(), func(*store.KeyCheck) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("KeyChecks after Close = %v, want the store closed", err)
	}
}
