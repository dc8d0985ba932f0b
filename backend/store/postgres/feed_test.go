package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/storetest"
)

func TestFeed(t *testing.T) {
	adminURL(t)
	var db string // the current subtest's database
	storetest.RunFeed(t, storetest.FeedHarness{
		Open: func(t *testing.T) (store.Store, store.Store) {
			u := freshDatabase(t)
			db = databaseOf(t, u)
			return open(t, u), open(t, u)
		},
		Cut: func(t *testing.T, _ store.Store) { killListeners(t, db) },
	})
}

func databaseOf(t *testing.T, u string) string {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}

// killListeners ends every LISTEN connection on database db, as a server
// restart would, and waits until at least one was ended.
func killListeners(t *testing.T, db string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var n int
		err := conn.QueryRow(ctx, `
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'apikeys-listen' AND datname = $1`, db).Scan(&n)
		if err != nil {
			t.Fatalf("terminate the listener: %v", err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no LISTEN connection to end")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
