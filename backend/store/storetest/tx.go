package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func testTransactions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("ErrorRollsBackEverything", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(newMember("mem_ana", "Ana", "ana@example.com", at(0)))
		f.insertKeys(newKey("key_1", at(0), "mem_ana"))
		anaBefore, keyBefore := f.member("mem_ana"), f.key("key_1")

		err := f.s.Update(f.ctx, func(tx store.Tx) error {
			steps := []error{
				tx.CreateWorkspace(f.ctx, model.Workspace{ID: "ws_1", Name: "Acme", CreatedAt: at(0)}),
				tx.InsertMember(f.ctx, newMember("mem_bo", "Bo", "bo@example.com", at(0))),
				tx.InsertKey(f.ctx, newKey("key_2", at(time.Second), "mem_ana")),
				tx.AddSSHKey(f.ctx, "mem_ana", newSSHKey(1, at(0))),
				tx.AppendEvent(f.ctx, newEvent("evt_1", model.EventApiKeyCreated, at(time.Second))),
			}
			k := keyBefore
			k.Name = "Renamed"
			_, err := tx.UpdateKey(f.ctx, k)
			steps = append(steps, err)
			m := anaBefore
			m.Name = "Renamed"
			_, err = tx.UpdateMember(f.ctx, m)
			steps = append(steps, err)
			if err := errors.Join(steps...); err != nil {
				return fmt.Errorf("a step before the rollback failed: %w", err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want fn's own error", err)
		}

		_, err = f.s.Workspace(f.ctx)
		wantKind(t, "Workspace after rollback", err, model.KindNotFound)
		_, err = f.s.Member(f.ctx, "mem_bo")
		wantKind(t, "Member(mem_bo) after rollback", err, model.KindNotFound)
		_, err = f.s.Key(f.ctx, "key_2")
		wantKind(t, "Key(key_2) after rollback", err, model.KindNotFound)
		assertEqual(t, "key_1 after rollback", keyBefore, f.key("key_1"))
		assertEqual(t, "mem_ana after rollback", anaBefore, f.member("mem_ana"))
		if got := f.events(store.EventQuery{}); len(got) != 0 {
			t.Fatalf("Events after rollback = %v, want none", ids(got, eventID))
		}
	})

	t.Run("ModelErrorsPassThrough", func(t *testing.T) {
		f := setup(t, open)
		err := f.s.Update(f.ctx, func(tx store.Tx) error {
			return model.Forbidden("You need to be a Security Admin to manage Audit logs API keys.")
		})
		wantKind(t, "Update returning a Forbidden error", err, model.KindForbidden)
	})

	t.Run("UncommittedWritesInvisibleOutside", func(t *testing.T) {
		f := setup(t, open)
		f.update(func(tx store.Tx) error {
			if err := tx.InsertKey(f.ctx, newKey("key_1", at(0), "mem_x")); err != nil {
				return err
			}
			if _, err := tx.Key(f.ctx, "key_1"); err != nil {
				t.Errorf("the transaction does not see its own insert: %v", err)
			}
			_, err := f.s.Key(f.ctx, "key_1")
			if model.KindOf(err) != model.KindNotFound {
				t.Errorf("a read outside the transaction saw an uncommitted key (err %v)", err)
			}
			return nil
		})
		f.key("key_1")
	})

	t.Run("NotFoundInsideDoesNotSpoilTransaction", func(t *testing.T) {
		f := setup(t, open)
		f.update(func(tx store.Tx) error {
			_, err := tx.MemberByEmail(f.ctx, "ana@example.com")
			if model.KindOf(err) != model.KindNotFound {
				return fmt.Errorf("MemberByEmail(unknown) = %v, want not found", err)
			}
			return tx.InsertMember(f.ctx, newMember("mem_ana", "Ana", "ana@example.com", at(0)))
		})
		f.member("mem_ana")
	})

	t.Run("PanicRollsBackAndFreesTheStore", func(t *testing.T) {
		f := setup(t, open)
		recovered := func() (r any) {
			defer func() { r = recover() }()
			f.s.Update(f.ctx, func(tx store.Tx) error {
				if err := tx.InsertKey(f.ctx, newKey("key_1", at(0), "mem_x")); err != nil {
					t.Errorf("InsertKey: %v", err)
				}
				panic("boom")
			})
			return nil
		}()
		if recovered != "boom" {
			t.Fatalf("Update swallowed or replaced fn's panic: recovered %v", recovered)
		}
		_, err := f.s.Key(f.ctx, "key_1")
		wantKind(t, "Key after a panicking Update", err, model.KindNotFound)
		// A leaked transaction would hold the writer: the next Update would hang.
		ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
		defer cancel()
		if err := f.s.Update(ctx, func(tx store.Tx) error {
			return tx.InsertKey(ctx, newKey("key_2", at(0), "mem_x"))
		}); err != nil {
			t.Fatalf("Update after a panicking one: %v", err)
		}
	})
}

func testConcurrency(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("ParallelWritersLoseNothing", func(t *testing.T) {
		f := setup(t, open)
		const writers, each = 8, 25
		errs := make(chan error, writers*each)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					id := fmt.Sprintf("%02d_%02d", w, i)
					errs <- f.s.Update(f.ctx, func(tx store.Tx) error {
						if err := tx.InsertKey(f.ctx, newKey("key_"+id, at(time.Duration(i)*time.Second), "mem_x")); err != nil {
							return err
						}
						return tx.AppendEvent(f.ctx, newEvent("evt_"+id, model.EventApiKeyCreated, time.Time{}))
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a concurrent Update failed: %v", err)
			}
		}
		keys, err := f.s.Keys(f.ctx, store.KeyQuery{})
		if err != nil || len(keys) != writers*each {
			t.Fatalf("Keys = %d keys, %v; want %d", len(keys), err, writers*each)
		}
		if got := f.events(store.EventQuery{}); len(got) != writers*each {
			t.Fatalf("Events = %d, want %d", len(got), writers*each)
		}
	})

	t.Run("SameVersionEditsExactlyOneWins", func(t *testing.T) {
		f := setup(t, open)
		f.insertKeys(newKey("key_1", at(0), "mem_x"))
		for round := range 20 {
			base := f.key("key_1")
			start := make(chan struct{})
			var errs [2]error
			var wg sync.WaitGroup
			for g := range errs {
				wg.Go(func() {
					edit := base
					edit.Name = fmt.Sprintf("round %d editor %d", round, g)
					<-start
					errs[g] = f.s.Update(f.ctx, func(tx store.Tx) error {
						_, err := tx.UpdateKey(f.ctx, edit)
						return err
					})
				})
			}
			close(start)
			wg.Wait()

			winner := -1
			for g, err := range errs {
				switch {
				case err == nil && winner < 0:
					winner = g
				case err == nil:
					t.Fatalf("round %d: both editors won from version %d", round, base.Version)
				case model.KindOf(err) != model.KindConflict:
					t.Fatalf("round %d: editor %d got %v, want a conflict", round, g, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: both editors lost: %v", round, errs)
			}
			got := f.key("key_1")
			wantName := fmt.Sprintf("round %d editor %d", round, winner)
			if got.Version != base.Version+1 || got.Name != wantName {
				t.Fatalf("round %d: stored version %d name %q; want %d %q", round, got.Version, got.Name,
					base.Version+1, wantName)
			}
		}
	})
}

func testNotFound(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	f.insertMembers(newMember("mem_ana", "Ana", "ana@example.com", at(0)))
	missingKey := newKey("key_missing", at(0), "mem_ana")
	missingMember := newMember("mem_missing", "Nobody", "nobody@example.com", at(0))
	cases := []struct {
		name string
		call func(ctx context.Context, tx store.Tx) error
	}{
		{"Key", func(ctx context.Context, tx store.Tx) error { _, err := tx.Key(ctx, "key_missing"); return err }},
		{"KeyByHash", func(ctx context.Context, tx store.Tx) error { _, err := tx.KeyByHash(ctx, missingKey.Hash); return err }},
		{"Member", func(ctx context.Context, tx store.Tx) error { _, err := tx.Member(ctx, "mem_missing"); return err }},
		{"MemberByEmail", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.MemberByEmail(ctx, "nobody@example.com")
			return err
		}},
		{"MemberBySSHKey", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.MemberBySSHKey(ctx, newSSHKey(99, at(0)).Fingerprint)
			return err
		}},
		{"Workspace", func(ctx context.Context, tx store.Tx) error { _, err := tx.Workspace(ctx); return err }},
		{"UpdateKey", func(ctx context.Context, tx store.Tx) error { _, err := tx.UpdateKey(ctx, missingKey); return err }},
		{"UpdateMember", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.UpdateMember(ctx, missingMember)
			return err
		}},
		{"AddSSHKey to a missing member", func(ctx context.Context, tx store.Tx) error {
			return tx.AddSSHKey(ctx, "mem_missing", newSSHKey(1, at(0)))
		}},
		{"RemoveSSHKey of a missing member", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveSSHKey(ctx, "mem_missing", newSSHKey(1, at(0)).Fingerprint)
		}},
		{"RemoveSSHKey the member does not have", func(ctx context.Context, tx store.Tx) error {
			return tx.RemoveSSHKey(ctx, "mem_ana", newSSHKey(1, at(0)).Fingerprint)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.s.Update(f.ctx, func(tx store.Tx) error { return c.call(f.ctx, tx) })
			wantKind(t, c.name, err, model.KindNotFound)
		})
	}
	// The read side of the store itself, outside any transaction.
	_, err := f.s.Key(f.ctx, "key_missing")
	wantKind(t, "Store.Key", err, model.KindNotFound)
	_, err = f.s.Member(f.ctx, "mem_missing")
	wantKind(t, "Store.Member", err, model.KindNotFound)
}
