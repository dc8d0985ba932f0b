package sshd_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/model"
)

// pgDatabase makes a throw-away database on the server APIKEYS_TEST_POSTGRES
// names (. .ci/postgres.sh sets it) and returns its URL.
func pgDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("APIKEYS_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("APIKEYS_TEST_POSTGRES_REQUIRED") != "" {
			t.Fatal("APIKEYS_TEST_POSTGRES_REQUIRED is set but APIKEYS_TEST_POSTGRES is not (. .ci/postgres.sh)")
		}
		t.Skip("PostgreSQL tests skipped: set APIKEYS_TEST_POSTGRES (. .ci/postgres.sh)")
	}
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect to APIKEYS_TEST_POSTGRES: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "apikeys_sshd_" + hex.EncodeToString(b)
	exec("CREATE DATABASE " + name)
	t.Cleanup(func() { exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Two servers on one PostgreSQL database: a member deactivated through one has
// their session on the other ended.
func TestDeactivationEndsSessionsOnEveryInstance(t *testing.T) {
	dbURL := pgDatabase(t)
	open := func() *backend.Backend {
		st, err := postgres.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return backend.New(backend.Config{Store: st})
	}
	a, b := open(), open()
	ownerID := newIdentity(t, "ana@laptop")
	owner, _, err := a.Bootstrap(context.Background(), "Acme", "Ana Owner", "ana@example.com", []string{ownerID.line})
	if err != nil {
		t.Fatal(err)
	}
	one := startServerOn(t, a, owner, ownerID, nil)
	two := startServerOn(t, b, owner, ownerID, nil)
	bo, boID := two.addMember("Bo Builder", "bo@example.com", model.Builder)

	term := one.openTerminal(one.mustDial(boID), nil, "")
	term.waitFor("Bo Builder")
	if _, err := two.ownerSession().Deactivate(context.Background(), bo.Email, 0); err != nil {
		t.Fatal(err)
	}
	term.waitFor("Your account was deactivated; this session has ended.")
	term.wait()
	if _, err := one.dial(boID); err == nil {
		t.Error("the other instance still lets the deactivated member in")
	}
}
