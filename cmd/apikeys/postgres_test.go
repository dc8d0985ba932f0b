package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store/postgres/pgtest"
)

// postgresURL makes a throw-away database for one test and returns its URL.
func postgresURL(t *testing.T) string { return pgtest.Database(t, "apikeys_cli_") }

// With --db (or APIKEYS_DB) the CLI keeps everything in PostgreSQL: two machines
// with their own data directories share one workspace.
func TestPostgresStore(t *testing.T) {
	db := postgresURL(t)
	c := newCLI(t)
	k := okJSON[created](c, "--db", db, "keys", "create", "--name", "shared", "--type", "import", "--expires", "+30d")
	if _, err := os.Stat(filepath.Join(c.dir, dbFile)); !os.IsNotExist(err) {
		t.Errorf("an embedded database was made beside PostgreSQL: %v", err)
	}

	other := newCLI(t)
	other.vars["APIKEYS_DB"] = db
	keys := okJSON[[]keyJSON](other, "keys", "list")
	if len(keys) != 1 || keys[0].ID != k.Key.ID {
		t.Fatalf("the second machine sees %+v", keys)
	}
	rot := okJSON[created](other, "keys", "rotate", k.Key.ID, "--grace", "1h")
	if rot.Replaced == nil || rot.Replaced.ID != k.Key.ID {
		t.Fatalf("rotation: %+v", rot)
	}
	events := okJSON[[]eventJSON](c, "--db", db, "audit")
	var types []string
	for _, e := range events {
		types = append(types, e.EventType)
	}
	if strings.Join(types, " ") != "ApiKeyRotated ApiKeyCreated UserInvited" {
		t.Errorf("audit: %v", types)
	}
	for _, e := range events {
		if strings.Contains(string(e.Payload), rot.Secret) || strings.Contains(string(e.Payload), k.Secret) {
			t.Errorf("%s payload holds a secret", e.EventType)
		}
	}
}
