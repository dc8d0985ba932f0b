package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/storetest"
	"github.com/apikeys-dev/apikeys/model"
)

// envURL names the variable that points the tests at a PostgreSQL server: a URL of
// an existing database (usually "postgres") for a role that may create databases.
// Each test gets its own database, made from it and dropped afterwards.
const envURL = "APIKEYS_TEST_POSTGRES"

// envRequired, when set, turns a missing envURL into a failure instead of a skip,
// so a CI run can't pass while silently testing nothing here.
const envRequired = "APIKEYS_TEST_POSTGRES_REQUIRED"

func adminURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(envURL)
	switch {
	case u == "" && os.Getenv(envRequired) != "":
		tb.Fatalf("%s is set but %s is not: point it at PostgreSQL (eval \"$(.ci/postgres.sh)\")", envRequired, envURL)
	case u == "":
		tb.Skipf("PostgreSQL tests skipped: set %s=postgres://user:password@127.0.0.1:5432/postgres?sslmode=disable "+
			"for a role that may create databases (the CI does: eval \"$(.ci/postgres.sh)\")", envURL)
	case !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://"):
		tb.Fatalf("%s must be a postgres:// URL", envURL)
	}
	return u
}

// admin runs one statement on the admin database.
func admin(tb testing.TB, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL(tb))
	if err != nil {
		tb.Fatalf("connect to %s: %v", envURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// freshDatabase creates an empty database for this test alone and returns its
// URL; the database is dropped when the test ends, after the stores opened on it
// are closed (cleanups run last-in first-out).
func freshDatabase(tb testing.TB) string {
	tb.Helper()
	base := adminURL(tb)
	b := make([]byte, 6)
	rand.Read(b)
	name := "apikeys_test_" + hex.EncodeToString(b)
	admin(tb, `CREATE DATABASE `+name)
	tb.Cleanup(func() { admin(tb, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })

	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL", envURL)
	}
	u.Path = "/" + name
	return u.String()
}

// withParam sets one query parameter of a database URL.
func withParam(dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens a store on url and closes it when the test ends.
func open(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	adminURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, freshDatabase(t)) })
}

// schemaVersions reads schema_migrations straight from the database.
func schemaVersions(t *testing.T, dbURL string) []int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return versions
}

// TestInstancesStartingTogetherMigrateOnce opens one fresh database from many
// goroutines at once, as several `apikeys serve` instances starting together
// would: without the advisory lock their CREATE TABLEs collide.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	dbURL := freshDatabase(t)
	const instances = 8
	stores := make([]*postgres.Store, instances)
	errs := make([]error, instances)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), dbURL)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Open: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		t.FailNow()
	}
	if got := schemaVersions(t, dbURL); fmt.Sprint(got) != "[1]" {
		t.Fatalf("schema_migrations = %v, want [1]: each migration recorded once", got)
	}
	// Every instance works on the shared schema and sees the others' writes.
	for i, s := range stores {
		id := fmt.Sprintf("mem_%d", i)
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertMember(t.Context(), model.Member{ID: id, Name: id, Email: id + "@example.com",
				AccountType: model.Builder, Status: model.StatusActive, Version: 1})
		}); err != nil {
			t.Fatalf("instance %d: InsertMember: %v", i, err)
		}
	}
	ms, err := stores[0].Members(t.Context())
	if err != nil || len(ms) != instances {
		t.Fatalf("Members = %d, %v; want %d", len(ms), err, instances)
	}

	// Opening again finds nothing to do.
	open(t, dbURL)
	if got := schemaVersions(t, dbURL); fmt.Sprint(got) != "[1]" {
		t.Fatalf("schema_migrations after a second Open = %v, want [1]", got)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dbURL := freshDatabase(t)
	open(t, dbURL).Close()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version) VALUES (9999)`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(t.Context(), dbURL)
	if err == nil || !strings.Contains(err.Error(), "use a newer apikeys") {
		t.Fatalf("Open on a schema from the future = %v, want a refusal naming the fix", err)
	}
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	for _, u := range []string{
		"postgres://apikeys:hunter2-secret@127.0.0.1:notaport/db",
		"postgres://apikeys:hunter2-secret@127.0.0.1:1/db?connect_timeout=1",
	} {
		_, err := postgres.Open(t.Context(), u)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", u)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("Open error quotes the password: %v", err)
		}
	}
}
