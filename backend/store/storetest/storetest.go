// Package storetest is the conformance suite for store.Store. Every implementation
// (sqlite now, postgres later) runs it unchanged from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { … a new, empty store … })
//	}
//
// The suite pins down what the interface comments leave to prose: orderings and
// their tie-breaks, version and conflict rules, not-found kinds, time precision,
// transaction atomicity and behaviour under concurrent writers. Three choices
// an implementation must follow:
//
//   - Ties are broken by id in byte order (Go's string order), so "key_B" sorts
//     before "key_a". PostgreSQL needs COLLATE "C" on id columns for that.
//   - CreatedBy and UpdatedBy need not name a member (the system acts too): no
//     foreign key on them; the names read back empty.
//   - A stored event without payload reads back as the JSON null.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Run runs the suite. open is called once per subtest and must return a new,
// empty, migrated store, and arrange for it to be closed when t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Workspace", func(t *testing.T) { testWorkspace(t, open) })
	t.Run("PageTokenKey", func(t *testing.T) { testPageTokenKey(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("EachKey", func(t *testing.T) { testEachKey(t, open) })
	t.Run("TouchKey", func(t *testing.T) { testTouchKey(t, open) })
	t.Run("TouchKeys", func(t *testing.T) { testTouchKeys(t, open) })
	t.Run("KeyAddresses", func(t *testing.T) { testKeyAddresses(t, open) })
	t.Run("KeyChecks", func(t *testing.T) { testKeyChecks(t, open) })
	t.Run("Members", func(t *testing.T) { testMembers(t, open) })
	t.Run("SSHKeys", func(t *testing.T) { testSSHKeys(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("AllowLists", func(t *testing.T) { testAllowLists(t, open) })
	t.Run("Usage", func(t *testing.T) { testUsage(t, open) })
	t.Run("UsageJournal", func(t *testing.T) { testUsageJournal(t, open) })
	t.Run("Owner", func(t *testing.T) { testOwner(t, open) })
}

// t0 is the suite's fixed "now": UTC, whole microseconds (what every store keeps).
var t0 = time.Date(2026, time.March, 14, 9, 26, 53, 589793000, time.UTC)

// at is t0 moved by d.
func at(d time.Duration) time.Time { return t0.Add(d).UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

// fixture is one subtest's store.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
}

// subtestTimeout bounds every store call of a subtest: a store that leaks a
// transaction (and so holds its writer) fails the subtest instead of hanging
// the whole run until go test's own timeout.
const subtestTimeout = time.Minute

func setup(t *testing.T, open func(t *testing.T) store.Store) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
	t.Cleanup(cancel)
	return &fixture{t: t, s: open(t), ctx: ctx}
}

// update runs fn in a transaction and fails the test if it does not commit.
func (f *fixture) update(fn func(tx store.Tx) error) {
	f.t.Helper()
	if err := f.s.Update(f.ctx, fn); err != nil {
		f.t.Fatalf("Update: %v", err)
	}
}

func (f *fixture) insertMembers(ms ...model.Member) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		for _, m := range ms {
			if err := tx.InsertMember(f.ctx, m); err != nil {
				return fmt.Errorf("InsertMember(%s): %w", m.ID, err)
			}
		}
		return nil
	})
}

func (f *fixture) insertKeys(ks ...model.Key) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		for _, k := range ks {
			if err := tx.InsertKey(f.ctx, k); err != nil {
				return fmt.Errorf("InsertKey(%s): %w", k.ID, err)
			}
		}
		return nil
	})
}

func (f *fixture) key(id string) model.Key {
	f.t.Helper()
	k, err := f.s.Key(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Key(%s): %v", id, err)
	}
	return k
}

func (f *fixture) member(id string) model.Member {
	f.t.Helper()
	m, err := f.s.Member(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Member(%s): %v", id, err)
	}
	return m
}

// newMember is an active builder created at created.
func newMember(id, name, email string, created time.Time) model.Member {
	return model.Member{
		ID: id, Name: name, Email: email,
		AccountType: model.Builder, Status: model.StatusActive,
		CreatedAt: created, UpdatedAt: created, Version: 1,
	}
}

// newKey is an import key created (and last updated) by createdBy at created,
// with a hash derived from its id so every fixture key's hash is distinct.
func newKey(id string, created time.Time, createdBy string) model.Key {
	return model.Key{
		ID: id, Name: "Nightly import " + id, Type: model.KeyImport,
		Hint: "apk_imp_Ab3x…9fQz", Hash: hashOf(id),
		CreatedAt: created, CreatedBy: createdBy, OwnerID: createdBy,
		ExpiresAt: created.Add(90 * 24 * time.Hour),
		UpdatedAt: created, UpdatedBy: createdBy, Version: 1,
	}
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte("secret for " + s))
	return h[:]
}

func newSSHKey(n int, added time.Time) model.SSHKey {
	return model.SSHKey{
		Fingerprint: fmt.Sprintf("SHA256:fixture%040d", n),
		PublicKey:   fmt.Sprintf("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixture%08d", n),
		Comment:     fmt.Sprintf("laptop-%d", n),
		AddedAt:     added,
	}
}

// wantKind fails the test unless err is a model error of kind k.
func wantKind(t *testing.T, what string, err error, k model.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want %v", what, k)
	}
	if got := model.KindOf(err); got != k {
		t.Fatalf("%s: got error %q of kind %v, want kind %v", what, err, got, k)
	}
}

// errRollback is what test transactions return to force a rollback.
var errRollback = errors.New("storetest: roll back")

func testWorkspace(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	_, err := f.s.Workspace(f.ctx)
	wantKind(t, "Workspace before CreateWorkspace", err, model.KindNotFound)

	first := model.Workspace{ID: "ws_1", Name: "Acme", CreatedAt: t0}
	f.update(func(tx store.Tx) error { return tx.CreateWorkspace(f.ctx, first) })
	got, err := f.s.Workspace(f.ctx)
	if err != nil {
		t.Fatalf("Workspace: %v", err)
	}
	assertEqual(t, "workspace", first, got)

	err = f.s.Update(f.ctx, func(tx store.Tx) error {
		return tx.CreateWorkspace(f.ctx, model.Workspace{ID: "ws_2", Name: "Other", CreatedAt: at(time.Hour)})
	})
	wantKind(t, "second CreateWorkspace", err, model.KindConflict)
	got, err = f.s.Workspace(f.ctx)
	if err != nil {
		t.Fatalf("Workspace: %v", err)
	}
	assertEqual(t, "workspace after refused second create", first, got)
}

// testPageTokenKey: every workspace gets its own random key when it is created,
// kept unchanged from then on.
func testPageTokenKey(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	_, err := f.s.PageTokenKey(f.ctx)
	wantKind(t, "PageTokenKey before CreateWorkspace", err, model.KindNotFound)

	ws := model.Workspace{ID: "ws_1", Name: "Acme", CreatedAt: t0}
	f.update(func(tx store.Tx) error { return tx.CreateWorkspace(f.ctx, ws) })
	key, err := f.s.PageTokenKey(f.ctx)
	if err != nil {
		t.Fatalf("PageTokenKey: %v", err)
	}
	if len(key) < store.PageTokenKeyLen || bytes.Count(key, key[:1]) == len(key) {
		t.Fatalf("PageTokenKey = %x: want at least %d random bytes", key, store.PageTokenKeyLen)
	}
	f.update(func(tx store.Tx) error {
		inTx, err := tx.PageTokenKey(f.ctx)
		if err != nil || !bytes.Equal(inTx, key) {
			t.Errorf("PageTokenKey in a transaction = %x, %v; want %x", inTx, err, key)
		}
		return nil
	})
	_ = f.s.Update(f.ctx, func(tx store.Tx) error {
		return tx.CreateWorkspace(f.ctx, model.Workspace{ID: "ws_2", Name: "Other", CreatedAt: t0})
	})
	if again, err := f.s.PageTokenKey(f.ctx); err != nil || !bytes.Equal(again, key) {
		t.Errorf("PageTokenKey after a refused second create = %x, %v; want %x", again, err, key)
	}

	// The same workspace id and name in another store: another key, so it is
	// not derived from anything a caller can know.
	g := setup(t, open)
	g.update(func(tx store.Tx) error { return tx.CreateWorkspace(g.ctx, ws) })
	other, err := g.s.PageTokenKey(g.ctx)
	if err != nil {
		t.Fatalf("PageTokenKey of a second store: %v", err)
	}
	if bytes.Equal(other, key) {
		t.Errorf("two workspaces with id %s have the same page token key %x", ws.ID, key)
	}
}
