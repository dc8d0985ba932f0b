package sqlite_test

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
)

// TestMigrationGivesOldWorkspacesARandomKey upgrades files that a version
// without page token keys left behind: each workspace gets its own random key.
func TestMigrationGivesOldWorkspacesARandomKey(t *testing.T) {
	var keys [][]byte
	for range 2 {
		path := filepath.Join(t.TempDir(), "apikeys.db")
		if err := sqlite.CreateAtVersion(t.Context(), path, 2); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(t.Context(), `INSERT INTO workspace (singleton, id, name, created_at) VALUES (1, 'ws_old', 'Old', 1)`); err != nil {
			t.Fatal(err)
		}
		raw.Close()

		key, err := open(t, path).PageTokenKey(t.Context())
		if err != nil || len(key) != 32 {
			t.Fatalf("PageTokenKey after the upgrade = %x, %v; want 32 bytes", key, err)
		}
		if again, _ := open(t, path).PageTokenKey(t.Context()); !bytes.Equal(again, key) {
			t.Fatalf("the key changed on reopening: %x, then %x", key, again)
		}
		keys = append(keys, key)
	}
	if bytes.Equal(keys[0], keys[1]) {
		t.Errorf("two upgraded workspaces share the key %x", keys[0])
	}
}
