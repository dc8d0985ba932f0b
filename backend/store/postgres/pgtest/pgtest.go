// Package pgtest gives tests a throw-away PostgreSQL database. Tests find the
// server through APIKEYS_TEST_POSTGRES (a postgres:// URL of a role that may
// create databases); without it they try the server .ci/postgres.sh sets up, and
// when none answers they are skipped — and say so on the terminal, since `go test`
// shows nothing of a passing package without -v.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// EnvURL points the tests at a PostgreSQL server.
	EnvURL = "APIKEYS_TEST_POSTGRES"
	// EnvRequired turns a missing server into a failure, for CI.
	EnvRequired = "APIKEYS_TEST_POSTGRES_REQUIRED"
	// DefaultURL is the role and server .ci/postgres.sh makes; tried when EnvURL is unset.
	DefaultURL = "postgres://apikeys:apikeys@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=2"
)

var (
	once    sync.Once
	found   string
	skipMsg string
)

// AdminURL returns the server's URL, or skips the test (fails it under EnvRequired).
func AdminURL(tb testing.TB) string {
	tb.Helper()
	once.Do(discover)
	if found != "" {
		return found
	}
	if os.Getenv(EnvRequired) != "" {
		tb.Fatalf("%s is set but no PostgreSQL answers: %s", EnvRequired, skipMsg)
	}
	tb.Skip(skipMsg)
	return ""
}

func discover() {
	if u := os.Getenv(EnvURL); u != "" {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			skipMsg = EnvURL + " must be a postgres:// URL"
			return
		}
		found = u
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, DefaultURL); err == nil {
		conn.Close(ctx)
		found = DefaultURL
		return
	}
	skipMsg = "PostgreSQL tests skipped: set " + EnvURL + "=postgres://user:password@host:5432/postgres " +
		"for a role that may create databases, or run `. .ci/postgres.sh` to start a local one"
	// go test hides the output of passing packages, so a skip would pass
	// unnoticed: tell the person at the terminal, if there is one.
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(tty, "apikeys: "+skipMsg)
		tty.Close()
	}
}

// Exec runs statements on the server's admin database.
func Exec(tb testing.TB, sqls ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL(tb))
	if err != nil {
		tb.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
}

// Database creates an empty database for this test alone, named with prefix and
// random hex, and returns its URL. It is dropped when the test ends.
func Database(tb testing.TB, prefix string) string {
	tb.Helper()
	base := AdminURL(tb)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	Exec(tb, "CREATE DATABASE "+name)
	DropAtCleanup(tb, name)
	return WithDatabase(tb, base, name)
}

// DropAtCleanup drops database name when the test ends. FORCE ends the
// test's own leftover connections, but PostgreSQL 15 lets only a superuser end
// an autovacuum worker, and on a busy machine one is often in a fresh test
// database just then (SQLSTATE 42501): the drop is tried again until the worker
// has moved on, for up to a minute.
func DropAtCleanup(tb testing.TB, name string) {
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, AdminURL(tb))
		if err != nil {
			tb.Fatalf("connect to PostgreSQL: %v", err)
		}
		defer conn.Close(context.Background())
		sql := "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
		retry := time.NewTicker(50 * time.Millisecond)
		defer retry.Stop()
		for {
			_, err := conn.Exec(ctx, sql)
			var pe *pgconn.PgError
			if err == nil {
				return
			}
			if !errors.As(err, &pe) || pe.Code != "42501" {
				tb.Fatalf("%s: %v", sql, err)
			}
			select {
			case <-retry.C:
			case <-ctx.Done():
				tb.Fatalf("%s: %v (still refused after a minute)", sql, err)
			}
		}
	})
}

// WithDatabase is base with its database replaced by name.
func WithDatabase(tb testing.TB, base, name string) string {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL", EnvURL)
	}
	u.Path = "/" + name
	return u.String()
}
