package postgres_test

// Tests of several instances on one database: each instance is its own Store
// (its own pool of connections), as two `apikeys serve` processes would be.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

var t0 = time.Date(2026, time.March, 14, 9, 26, 53, 0, time.UTC)

func testKey(id string) model.Key {
	h := sha256.Sum256([]byte("secret for " + id))
	return model.Key{
		ID: id, Name: "Nightly import", Type: model.KeyImport, Hint: "apk_imp_Ab3x…9fQz", Hash: h[:],
		CreatedAt: t0, CreatedBy: "mem_ana", ExpiresAt: t0.Add(90 * 24 * time.Hour),
		UpdatedAt: t0, UpdatedBy: "mem_ana", Version: 1,
	}
}

// twoInstances opens instances "a" and "b" on one fresh database; each names
// itself in application_name so a test can see which one waits for a lock.
func twoInstances(t *testing.T) (a, b *postgres.Store, dbURL string) {
	t.Helper()
	dbURL = freshDatabase(t)
	a = open(t, withParam(dbURL, "application_name", "apikeys_a"))
	b = open(t, withParam(dbURL, "application_name", "apikeys_b"))
	return a, b, dbURL
}

// waitingForLock reports whether a connection of the named instance is waiting
// for a lock (the writer queue or a row) in the database at dbURL.
func waitingForLock(t *testing.T, dbURL, app string) func() bool {
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return func() bool {
		var n int
		err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'`,
			app).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
}

// TestSameKeyThroughTwoInstancesOneWins makes A hold its write open while B
// writes from the same version: B must wait and then get a conflict, for an
// edit, a delete and a rotation alike; nothing of B's is stored.
func TestSameKeyThroughTwoInstancesOneWins(t *testing.T) {
	ops := map[string]func(ctx context.Context, tx store.Tx, k model.Key, who string) error{
		"edit": func(ctx context.Context, tx store.Tx, k model.Key, who string) error {
			k.Name, k.UpdatedBy = "renamed by "+who, who
			_, err := tx.UpdateKey(ctx, k)
			return err
		},
		"delete": func(ctx context.Context, tx store.Tx, k model.Key, who string) error {
			k.DeletedAt, k.UpdatedBy = &t0, who
			_, err := tx.UpdateKey(ctx, k)
			return err
		},
		"rotate": func(ctx context.Context, tx store.Tx, k model.Key, who string) error {
			next := testKey("key_next_" + who)
			next.RotatedFrom = k.ID
			if err := tx.InsertKey(ctx, next); err != nil {
				return err
			}
			k.ReplacedBy, k.UpdatedBy = next.ID, who
			_, err := tx.UpdateKey(ctx, k)
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			a, b, dbURL := twoInstances(t)
			ctx := t.Context()
			if err := a.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, testKey("key_1")) }); err != nil {
				t.Fatal(err)
			}
			base, err := b.Key(ctx, "key_1") // both instances start from version 1
			if err != nil {
				t.Fatal(err)
			}

			aWrote, releaseA := make(chan struct{}), make(chan struct{})
			aDone := make(chan error, 1)
			go func() {
				aDone <- a.Update(ctx, func(tx store.Tx) error {
					if err := op(ctx, tx, base, "a"); err != nil {
						return err
					}
					close(aWrote)
					<-releaseA
					return nil
				})
			}()
			select {
			case <-aWrote:
			case err := <-aDone:
				t.Fatalf("A: %v", err)
			}
			bDone := make(chan error, 1)
			go func() { bDone <- b.Update(ctx, func(tx store.Tx) error { return op(ctx, tx, base, "b") }) }()
			testkit.Eventually(t, "B waits for A", waitingForLock(t, dbURL, "apikeys_b"))
			close(releaseA)

			if err := <-aDone; err != nil {
				t.Fatalf("A, the first writer: %v", err)
			}
			if err := <-bDone; model.KindOf(err) != model.KindConflict {
				t.Fatalf("B, writing from the same version after A: %v, want a conflict", err)
			}
			got, err := b.Key(ctx, "key_1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || got.UpdatedBy != "a" {
				t.Fatalf("key_1 at version %d last changed by %q; want version 2 by a", got.Version, got.UpdatedBy)
			}
			if _, err := a.Key(ctx, "key_next_b"); model.KindOf(err) != model.KindNotFound {
				t.Fatalf("the losing rotation's new key: %v, want not found (rolled back)", err)
			}
		})
	}
}

// TestRacingInstancesExactlyOneWins lets two instances edit one key from the
// same version with no choreography, many times over.
func TestRacingInstancesExactlyOneWins(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := t.Context()
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, testKey("key_1")) }); err != nil {
		t.Fatal(err)
	}
	for round := range 30 {
		base, err := a.Key(ctx, "key_1")
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var errs [2]error
		var wg sync.WaitGroup
		for i, s := range []*postgres.Store{a, b} {
			wg.Go(func() {
				k := base
				k.Name = fmt.Sprintf("round %d instance %d", round, i)
				<-start
				errs[i] = s.Update(ctx, func(tx store.Tx) error { _, err := tx.UpdateKey(ctx, k); return err })
			})
		}
		close(start)
		wg.Wait()
		won := slices.IndexFunc(errs[:], func(err error) bool { return err == nil })
		lost := 1 - won
		if won < 0 || errs[lost] == nil || model.KindOf(errs[lost]) != model.KindConflict {
			t.Fatalf("round %d: results %v; want one success and one conflict", round, errs)
		}
		got, _ := b.Key(ctx, "key_1")
		if want := fmt.Sprintf("round %d instance %d", round, won); got.Name != want || got.Version != base.Version+1 {
			t.Fatalf("round %d: stored %q at version %d; want %q at %d", round, got.Name, got.Version, want, base.Version+1)
		}
	}
}

// TestRulesSpanningRowsHoldAcrossInstances is "the last active primary owner
// can't be demoted" checked by two instances at once, each demoting a different
// owner: a count, then an update. Version checks alone would let both through
// (each sees two owners) and leave none; writers queue across instances, so the
// second sees the first's change.
func TestRulesSpanningRowsHoldAcrossInstances(t *testing.T) {
	a, b, dbURL := twoInstances(t)
	ctx := t.Context()
	owner := func(id string) model.Member {
		return model.Member{ID: id, Name: id, Email: id + "@example.com", AccountType: model.PrimaryOwner,
			Status: model.StatusActive, CreatedAt: t0, UpdatedAt: t0, Version: 1}
	}
	if err := a.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.InsertMember(ctx, owner("o1")), tx.InsertMember(ctx, owner("o2")))
	}); err != nil {
		t.Fatal(err)
	}
	errLastOwner := errors.New("last active owner")
	demote := func(ctx context.Context, tx store.Tx, id string, beforeWrite func()) error {
		n, err := tx.CountActiveOwners(ctx)
		if err != nil {
			return err
		}
		if n <= 1 {
			return errLastOwner
		}
		m, err := tx.Member(ctx, id)
		if err != nil {
			return err
		}
		m.AccountType = model.WorkspaceAdmin
		if _, err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		beforeWrite()
		return nil
	}

	aCounted, releaseA := make(chan struct{}), make(chan struct{})
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	go func() {
		aDone <- a.Update(ctx, func(tx store.Tx) error {
			return demote(ctx, tx, "o1", func() { close(aCounted); <-releaseA })
		})
	}()
	<-aCounted
	go func() { bDone <- b.Update(ctx, func(tx store.Tx) error { return demote(ctx, tx, "o2", func() {}) }) }()
	// B either queues behind A (correct) or, were writers not queued, runs to
	// the end on its own; either way A commits next.
	var bErr error
	bFinished := false
	waiting := waitingForLock(t, dbURL, "apikeys_b")
	testkit.Eventually(t, "B waits for A or finishes", func() bool {
		select {
		case bErr = <-bDone:
			bFinished = true
			return true
		default:
			return waiting()
		}
	})
	close(releaseA)
	if err := <-aDone; err != nil {
		t.Fatalf("A: %v", err)
	}
	if !bFinished {
		bErr = <-bDone
	}
	if !errors.Is(bErr, errLastOwner) {
		t.Errorf("B demoting the other owner: %v, want it refused as the last owner", bErr)
	}
	if n, err := b.CountActiveOwners(ctx); n != 1 || err != nil {
		t.Fatalf("active owners = %d, %v; want 1", n, err)
	}
}

// TestDeleteSeenByOtherInstanceAtOnce: there is no cache, so the moment A's
// delete commits, B's look-up by hash sees the tombstone.
func TestDeleteSeenByOtherInstanceAtOnce(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := t.Context()
	k := testKey("key_1")
	if err := a.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	if got, err := b.KeyByHash(ctx, k.Hash); err != nil || got.DeletedAt != nil {
		t.Fatalf("B before the delete: %+v, %v", got.DeletedAt, err)
	}
	if err := a.Update(ctx, func(tx store.Tx) error {
		k.DeletedAt = &t0
		_, err := tx.UpdateKey(ctx, k)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := b.KeyByHash(ctx, k.Hash)
	if err != nil || got.DeletedAt == nil || got.Valid(t0) {
		t.Fatalf("B right after A's delete: deleted at %v, %v; want the tombstone", got.DeletedAt, err)
	}
}

// TestEventsFromAllInstancesInOneOrder has two instances append events at once
// and checks both list the same sequence, in (ingestion, id) order.
func TestEventsFromAllInstancesInOneOrder(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	for i, s := range []*postgres.Store{a, b} {
		wg.Go(func() {
			for n := range 40 {
				e := model.AuditEvent{
					ID: fmt.Sprintf("evt_%d_%02d", i, n), Type: model.EventApiKeyCreated,
					EventTimestamp: t0, IngestionTimestamp: t0.Add(time.Duration(n/4) * time.Second),
					Actor:  model.Actor{Type: model.ActorSystem, ID: "system", Name: "apikeys"},
					Source: model.SourceAPI, Payload: json.RawMessage(`{"b":1,"a":2}`),
				}
				if err := s.Update(ctx, func(tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	fromA, errA := a.Events(ctx, store.EventQuery{})
	fromB, errB := b.Events(ctx, store.EventQuery{})
	if errA != nil || errB != nil || len(fromA) != 80 {
		t.Fatalf("Events: %d, %v, %v; want 80", len(fromA), errA, errB)
	}
	idsOf := func(es []model.AuditEvent) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.ID
		}
		return out
	}
	if !slices.Equal(idsOf(fromA), idsOf(fromB)) {
		t.Fatalf("instances list different orders:\nA %v\nB %v", idsOf(fromA), idsOf(fromB))
	}
	if !slices.IsSortedFunc(fromA, func(x, y model.AuditEvent) int {
		if c := y.IngestionTimestamp.Compare(x.IngestionTimestamp); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	}) {
		t.Fatalf("events not newest first, ties by id: %v", idsOf(fromA))
	}
	if string(fromA[0].Payload) != `{"b":1,"a":2}` {
		t.Fatalf("payload came back as %s; want the bytes written", fromA[0].Payload)
	}
}

// TestConflictErrorsNameNoSecret: the hash identifies a secret, and PostgreSQL's
// error detail would quote it; no error may carry it.
func TestConflictErrorsNameNoSecret(t *testing.T) {
	s := open(t, freshDatabase(t))
	ctx := t.Context()
	k := testKey("key_1")
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	dup := testKey("key_2")
	dup.Hash = k.Hash
	err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, dup) })
	if model.KindOf(err) != model.KindConflict {
		t.Fatalf("InsertKey with a hash in use: %v, want a conflict", err)
	}
	for _, form := range []string{hex.EncodeToString(k.Hash), fmt.Sprintf("%v", k.Hash), string(k.Hash)} {
		if strings.Contains(err.Error(), form[:16]) {
			t.Fatalf("conflict error %q quotes the hash", err)
		}
	}
}

// TestQueuedWritersLeaveConnectionsForReads: while one write transaction is
// open, a burst of writers queues behind it; reads (verifications) must still
// get a connection, on a pool of two.
func TestQueuedWritersLeaveConnectionsForReads(t *testing.T) {
	s := open(t, withParam(freshDatabase(t), "pool_max_conns", "2"))
	ctx := t.Context()
	k := testKey("key_1")
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.Update(ctx, func(tx store.Tx) error { close(holding); <-release; return nil }); err != nil {
			t.Error(err)
		}
	})
	<-holding
	var started sync.WaitGroup
	for range 5 {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			if err := s.Update(ctx, func(tx store.Tx) error { return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	started.Wait()

	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.KeyByHash(readCtx, k.Hash)
	close(release)
	wg.Wait()
	if err != nil {
		t.Fatalf("a read while writers queue: %v", err)
	}
}
