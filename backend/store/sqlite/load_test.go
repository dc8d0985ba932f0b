package sqlite_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// openOnce opens a store the test closes itself.
func openOnce(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loadedKeys yields n export keys key_00000… created a minute apart.
func loadedKeys(n int, prefix string) func(yield func(model.Key) bool) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return func(yield func(model.Key) bool) {
		for i := range n {
			if !yield(exportKey(fmt.Sprintf("%s_%05d", prefix, i), now.Add(-time.Duration(i)*time.Minute))) {
				return
			}
		}
	}
}

// A bulk load leaves a normal store: the same schema (indexes and the stamp
// trigger rebuilt from their definitions), WAL mode with synchronous=FULL for
// the next opener, every key stamped for the change feed, an intact file.
// The store's reads find the keys, and writes after it work as before.
func TestLoadKeysLeavesANormalStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	s := openOnce(t, path)
	insertKeys(t, s, "key", 2) // stamps 1 and 2, by the store
	schema, err := sqlite.Schema(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	n, err := sqlite.LoadKeys(t.Context(), path, loadedKeys(1234, "key_load"))
	if err != nil || n != 1234 {
		t.Fatalf("LoadKeys = %d, %v", n, err)
	}

	s = open(t, path)
	if after, err := sqlite.Schema(t.Context(), s); err != nil || !slices.Equal(after, schema) {
		t.Errorf("the schema changed:\nbefore %s\nafter  %s", strings.Join(schema, "\n       "), strings.Join(after, "\n       "))
	}
	if p, err := sqlite.Pragmas(t.Context(), s, true); err != nil || p["journal_mode"] != "wal" || p["synchronous"] != "2" {
		t.Errorf("writer pragmas after the load: %v, %v", p, err)
	}
	if v, err := sqlite.IntegrityCheck(t.Context(), s); err != nil || v != "ok" {
		t.Errorf("integrity_check: %q, %v", v, err)
	}
	if counter, highest, err := sqlite.ChangeStamps(t.Context(), s); err != nil || counter != 1236 || highest != 1236 {
		t.Errorf("change stamps: counter %d, highest %d (%v), want 1236 and 1236", counter, highest, err)
	}
	keys, err := s.Keys(t.Context(), store.KeyQuery{})
	if err != nil || len(keys) != 1236 {
		t.Fatalf("Keys = %d, %v", len(keys), err)
	}
	k, err := s.KeyByHash(t.Context(), model.HashSecret("key_load_01000"))
	if err != nil || k.ID != "key_load_01000" || k.Version != 1 || k.Name != "deploy" {
		t.Errorf("KeyByHash = %+v, %v", k, err)
	}
	// A key inserted after the load is stamped by the trigger put back.
	insertKeys(t, s, "key_after", 3)
	if counter, highest, err := sqlite.ChangeStamps(t.Context(), s); err != nil || counter != 1239 || highest != 1239 {
		t.Errorf("after an insert: counter %d, highest %d (%v), want 1239", counter, highest, err)
	}
}

// A load that fails leaves the store as it was: no key of it, and every
// index and trigger in place. A duplicate id is found as it is inserted, a
// duplicate secret when the hash index is built again at the end.
func TestFailedLoadChangesNothing(t *testing.T) {
	for name, keys := range map[string]func(yield func(model.Key) bool){
		"duplicate id": func(yield func(model.Key) bool) {
			for k := range loadedKeys(600, "key_dup") {
				if !yield(k) {
					return
				}
			}
			yield(exportKey("key_000", time.Now())) // insertKeys made it
		},
		"duplicate secret": func(yield func(model.Key) bool) {
			for k := range loadedKeys(700, "key_same") {
				k.Hash = model.HashSecret("key_001") // insertKeys's key_001 has it
				if !yield(k) {
					return
				}
			}
		},
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "apikeys.db")
			s := openOnce(t, path)
			insertKeys(t, s, "key", 2)
			schema, _ := sqlite.Schema(t.Context(), s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := sqlite.LoadKeys(t.Context(), path, keys); err == nil || !strings.Contains(err.Error(), "nothing was loaded") {
				t.Fatalf("LoadKeys: %v, want a refusal", err)
			}
			s = open(t, path)
			if after, _ := sqlite.Schema(t.Context(), s); !slices.Equal(after, schema) {
				t.Errorf("the schema changed: %v", after)
			}
			if keys, err := s.Keys(t.Context(), store.KeyQuery{}); err != nil || len(keys) != 2 {
				t.Errorf("Keys = %d, %v, want the 2 from before", len(keys), err)
			}
			if p, _ := sqlite.Pragmas(t.Context(), s, true); p["journal_mode"] != "wal" {
				t.Errorf("journal mode %s after a failed load", p["journal_mode"])
			}
		})
	}
}

// The loader takes the file for itself: with a store open on it (a running
// serve), it refuses and changes nothing.
func TestLoadKeysRefusesAStoreInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	s := open(t, path)
	insertKeys(t, s, "key", 1)
	if _, err := sqlite.LoadKeys(t.Context(), path, loadedKeys(10, "key_busy")); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("LoadKeys on a store in use: %v, want a refusal", err)
	}
	if keys, err := s.Keys(t.Context(), store.KeyQuery{}); err != nil || len(keys) != 1 {
		t.Errorf("Keys = %d, %v", len(keys), err)
	}
	insertKeys(t, s, "key_later", 2) // the store still writes
}
