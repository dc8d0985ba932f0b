package postgres_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMigrationGivesOldWorkspacesARandomKey upgrades databases that a version
// without page token keys left behind: each workspace gets its own random key.
func TestMigrationGivesOldWorkspacesARandomKey(t *testing.T) {
	adminURL(t)
	init, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	for range 2 {
		dbURL := freshDatabase(t)
		conn, err := pgx.Connect(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			string(init),
			`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
			`INSERT INTO schema_migrations (version) VALUES (1)`,
			`INSERT INTO workspace (id, name, created_at) VALUES ('ws_old', 'Old', now())`,
		} {
			if _, err := conn.Exec(t.Context(), stmt); err != nil {
				t.Fatal(err)
			}
		}
		conn.Close(context.Background())

		s := open(t, dbURL)
		key, err := s.PageTokenKey(t.Context())
		if err != nil || len(key) != 32 {
			t.Fatalf("PageTokenKey after the upgrade = %x, %v; want 32 bytes", key, err)
		}
		if again, _ := open(t, dbURL).PageTokenKey(t.Context()); !bytes.Equal(again, key) {
			t.Fatalf("the key changed on reopening: %x, then %x", key, again)
		}
		keys = append(keys, key)
	}
	if bytes.Equal(keys[0], keys[1]) {
		t.Errorf("two upgraded workspaces share the key %x", keys[0])
	}
}
