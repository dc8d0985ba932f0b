package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/postgres/pgtest"
	"github.com/apikeys-dev/apikeys/backend/store/storetest"
	"github.com/apikeys-dev/apikeys/model"
)

// envURL names the variable that points the tests at a PostgreSQL server (see pgtest).
const envURL = pgtest.EnvURL

func adminURL(tb testing.TB) string { return pgtest.AdminURL(tb) }

// admin runs statements on the admin database, stopping at the first that
// succeeds; it fails the test if none does.
func admin(tb testing.TB, sqls ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL(tb))
	if err != nil {
		tb.Fatalf("connect to %s: %v", envURL, err)
	}
	defer conn.Close(ctx)
	var errs []error
	for _, sql := range sqls {
		_, err := conn.Exec(ctx, sql)
		if err == nil {
			return
		}
		errs = append(errs, fmt.Errorf("%s: %w", sql, err))
	}
	tb.Fatal(errors.Join(errs...))
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
	// An English collation, as many production databases have, where "B" sorts
	// after "a": the store must order ids and names byte by byte all the same.
	// Plain CREATE DATABASE is the fallback for a server without ICU (or < 15).
	admin(tb, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
		`CREATE DATABASE `+name)
	pgtest.DropAtCleanup(tb, name)

	return pgtest.WithDatabase(tb, base, name)
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
	if got, want := schemaVersions(t, dbURL), migrationVersions(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("schema_migrations = %v, want %v: each migration recorded once", got, want)
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
	if got, want := schemaVersions(t, dbURL), migrationVersions(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("schema_migrations after a second Open = %v, want %v", got, want)
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

// TestUpdateRetriesSerializationFailures: when PostgreSQL aborts a transaction
// as a serialisation failure or deadlock, Update runs fn again in a new one, a
// bounded number of times; any other error ends it at once.
func TestUpdateRetriesSerializationFailures(t *testing.T) {
	s := open(t, freshDatabase(t))
	ctx := t.Context()
	cases := []struct {
		name      string
		failures  int    // how many times fn fails before it succeeds
		code      string // the SQLSTATE it fails with
		wantCalls int
		wantErr   bool
	}{
		{"serialisation failure then success", 2, "40001", 3, false},
		{"deadlock then success", 1, "40P01", 2, false},
		{"gives up after five attempts", 100, "40001", 5, true},
		{"other errors are not retried", 100, "23503", 1, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			id := fmt.Sprintf("key_%d", i)
			err := s.Update(ctx, func(tx store.Tx) error {
				calls++
				if err := tx.InsertKey(ctx, testKey(id)); err != nil {
					return err // the insert of an aborted attempt must not survive it
				}
				if calls <= c.failures {
					return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: c.code, Message: "simulated"})
				}
				return nil
			})
			if calls != c.wantCalls || (err != nil) != c.wantErr {
				t.Fatalf("fn ran %d times, Update = %v; want %d runs, error %v", calls, err, c.wantCalls, c.wantErr)
			}
			_, kerr := s.Key(ctx, id)
			if stored := kerr == nil; stored == c.wantErr {
				t.Fatalf("key stored = %v after Update = %v", stored, err)
			}
		})
	}
}

// migrationVersions are the numbers of the migration files, in order.
func migrationVersions(t *testing.T) []int {
	t.Helper()
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migration files: %v %v", names, err)
	}
	var vs []int
	for _, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}
