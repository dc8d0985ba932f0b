package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The same variables as the PostgreSQL store's tests (.ci/postgres.sh sets them):
// an admin URL for a role that may create databases, and whether a missing one
// is a failure rather than a skip.
const (
	envPostgres         = "APIKEYS_TEST_POSTGRES"
	envPostgresRequired = "APIKEYS_TEST_POSTGRES_REQUIRED"
)

// postgresURL makes a throw-away database for one test and returns its URL.
func postgresURL(t *testing.T) string {
	t.Helper()
	admin := os.Getenv(envPostgres)
	if admin == "" {
		if os.Getenv(envPostgresRequired) != "" {
			t.Fatalf("%s is set but %s is not", envPostgresRequired, envPostgres)
		}
		t.Skipf("set %s to run the CLI against PostgreSQL (eval \"$(.ci/postgres.sh)\")", envPostgres)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", envPostgres, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "apikeys_cli_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), admin); err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

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
