package sshd_test

import (
	"context"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/postgres/pgtest"
	"github.com/apikeys-dev/apikeys/model"
)

// pgDatabase makes a throw-away database and returns its URL (see pgtest).
func pgDatabase(t *testing.T) string { return pgtest.Database(t, "apikeys_sshd_") }

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
