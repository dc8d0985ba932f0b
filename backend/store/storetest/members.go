package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func memberID(m model.Member) string { return m.ID }

func testMembers(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("InsertedFieldsRoundTrip", func(t *testing.T) {
		f := setup(t, open)
		m := newMember("mem_ana", "Ana Lima", "ana@example.com", at(0))
		m.AccountType = model.SecurityAdmin
		m.Status = model.StatusDeactivated
		m.UpdatedAt, m.UpdatedBy = at(time.Hour), "mem_owner"
		m.SSHKeys = []model.SSHKey{newSSHKey(1, at(time.Second)), newSSHKey(2, at(2*time.Second))}
		m.Version = 9 // InsertMember stores version 1 whatever it is given
		bare := newMember("mem_bo", "Bo", "bo@example.com", at(time.Minute))
		f.insertMembers(m, bare)

		want := m
		want.Version = 1
		assertEqual(t, "Member(mem_ana)", want, f.member(m.ID))
		assertEqual(t, "Member(mem_bo)", bare, f.member(bare.ID))
	})

	t.Run("MemberByEmailIgnoresCase", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(
			newMember("mem_ana", "Ana", "ana@example.com", at(0)),
			newMember("mem_bo", "Bo", "Bo.Silva@Example.COM", at(0)),
		)
		for _, c := range []struct{ email, want string }{
			{"ana@example.com", "mem_ana"},
			{"ANA@Example.Com", "mem_ana"},
			{"bo.silva@example.com", "mem_bo"},
			{"BO.SILVA@EXAMPLE.COM", "mem_bo"},
		} {
			got, err := f.s.MemberByEmail(f.ctx, c.email)
			if err != nil || got.ID != c.want {
				t.Fatalf("MemberByEmail(%q) = %q, %v; want %q", c.email, got.ID, err, c.want)
			}
		}
		_, err := f.s.MemberByEmail(f.ctx, "cy@example.com")
		wantKind(t, "MemberByEmail(unknown)", err, model.KindNotFound)
	})

	t.Run("EmailUniqueIgnoringCase", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(newMember("mem_ana", "Ana", "ana@example.com", at(0)))
		for _, email := range []string{"ana@example.com", "ANA@EXAMPLE.COM"} {
			err := f.s.Update(f.ctx, func(tx store.Tx) error {
				return tx.InsertMember(f.ctx, newMember("mem_other", "Other", email, at(time.Hour)))
			})
			wantKind(t, "InsertMember with "+email, err, model.KindConflict)
		}
		all, err := f.s.Members(f.ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("Members = %v, %v; want only mem_ana", ids(all, memberID), err)
		}
	})

	t.Run("ListByNameThenID", func(t *testing.T) {
		f := setup(t, open)
		ms := []model.Member{
			newMember("mem_3", "Cy", "cy@example.com", at(0)),
			newMember("mem_2", "Ana", "ana2@example.com", at(0)),
			newMember("mem_9", "Bo", "bo@example.com", at(0)),
			newMember("mem_1", "Ana", "ana1@example.com", at(0)),
		}
		ms[2].SSHKeys = []model.SSHKey{newSSHKey(1, at(0))}
		f.insertMembers(ms...)
		want := slices.Clone(ms)
		slices.SortFunc(want, func(a, b model.Member) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		got, err := f.s.Members(f.ctx)
		if err != nil {
			t.Fatalf("Members: %v", err)
		}
		assertEqual(t, "Members", want, got)
	})

	t.Run("UpdateMemberBumpsVersion", func(t *testing.T) {
		f := setup(t, open)
		orig := newMember("mem_ana", "Ana", "ana@example.com", at(0))
		orig.SSHKeys = []model.SSHKey{newSSHKey(1, at(0))}
		f.insertMembers(orig)

		change := f.member(orig.ID)
		change.Name = "Ana Lima"
		change.AccountType = model.WorkspaceAdmin
		change.Status = model.StatusDeactivated
		change.UpdatedAt, change.UpdatedBy = at(time.Hour), "mem_owner"
		// Not written by UpdateMember: email, creation time, SSH keys.
		change.Email, change.CreatedAt, change.SSHKeys = "x@example.com", at(time.Hour), nil

		var got model.Member
		f.update(func(tx store.Tx) error {
			var err error
			got, err = tx.UpdateMember(f.ctx, change)
			return err
		})
		want := orig
		want.Name, want.AccountType, want.Status = "Ana Lima", model.WorkspaceAdmin, model.StatusDeactivated
		want.UpdatedAt, want.UpdatedBy, want.Version = at(time.Hour), "mem_owner", 2
		assertEqual(t, "UpdateMember result", want, got)
		assertEqual(t, "Member after UpdateMember", want, f.member(orig.ID))

		stale := change
		stale.Name = "Lost edit"
		err := f.s.Update(f.ctx, func(tx store.Tx) error { _, err := tx.UpdateMember(f.ctx, stale); return err })
		wantKind(t, "UpdateMember at a stale version", err, model.KindConflict)
		assertEqual(t, "Member after a refused UpdateMember", want, f.member(orig.ID))
	})

	t.Run("CountActiveOwners", func(t *testing.T) {
		f := setup(t, open)
		owner := func(id string, status model.MemberStatus) model.Member {
			m := newMember(id, id, id+"@example.com", at(0))
			m.AccountType, m.Status = model.PrimaryOwner, status
			return m
		}
		admin := newMember("admin", "admin", "admin@example.com", at(0))
		admin.AccountType = model.WorkspaceAdmin
		f.insertMembers(owner("o1", model.StatusActive), owner("o2", model.StatusActive),
			owner("o3", model.StatusDeactivated), admin)
		count := func(r store.Reader) int {
			n, err := r.CountActiveOwners(f.ctx)
			if err != nil {
				t.Fatalf("CountActiveOwners: %v", err)
			}
			return n
		}
		if n := count(f.s); n != 2 {
			t.Fatalf("CountActiveOwners = %d, want 2", n)
		}
		f.update(func(tx store.Tx) error {
			m, err := tx.Member(f.ctx, "o1")
			if err != nil {
				return err
			}
			m.Status = model.StatusDeactivated
			if _, err := tx.UpdateMember(f.ctx, m); err != nil {
				return err
			}
			if n := count(tx); n != 1 {
				t.Errorf("CountActiveOwners inside the transaction = %d, want 1", n)
			}
			return nil
		})
		if n := count(f.s); n != 1 {
			t.Fatalf("CountActiveOwners after deactivating one = %d, want 1", n)
		}
	})
}

func testSSHKeys(t *testing.T, open func(t *testing.T) store.Store) {
	k1, k2, k3 := newSSHKey(1, at(0)), newSSHKey(2, at(time.Minute)), newSSHKey(3, at(2*time.Minute))
	setupTwo := func(t *testing.T) *fixture {
		f := setup(t, open)
		ana := newMember("mem_ana", "Ana", "ana@example.com", at(0))
		ana.SSHKeys = []model.SSHKey{k1}
		f.insertMembers(ana, newMember("mem_bo", "Bo", "bo@example.com", at(0)))
		return f
	}

	t.Run("MemberBySSHKey", func(t *testing.T) {
		f := setupTwo(t)
		got, err := f.s.MemberBySSHKey(f.ctx, k1.Fingerprint)
		if err != nil || got.ID != "mem_ana" {
			t.Fatalf("MemberBySSHKey = %q, %v; want mem_ana", got.ID, err)
		}
		assertEqual(t, "its SSH keys", []model.SSHKey{k1}, got.SSHKeys)
		_, err = f.s.MemberBySSHKey(f.ctx, k2.Fingerprint)
		wantKind(t, "MemberBySSHKey(unknown)", err, model.KindNotFound)
	})

	t.Run("AddThenRemove", func(t *testing.T) {
		f := setupTwo(t)
		f.update(func(tx store.Tx) error {
			// Added out of order: a member's keys list oldest first.
			if err := tx.AddSSHKey(f.ctx, "mem_ana", k3); err != nil {
				return err
			}
			return tx.AddSSHKey(f.ctx, "mem_ana", k2)
		})
		assertEqual(t, "SSH keys after adding two", []model.SSHKey{k1, k2, k3}, f.member("mem_ana").SSHKeys)
		if got, err := f.s.MemberBySSHKey(f.ctx, k3.Fingerprint); err != nil || got.ID != "mem_ana" {
			t.Fatalf("MemberBySSHKey(added key) = %q, %v; want mem_ana", got.ID, err)
		}

		f.update(func(tx store.Tx) error { return tx.RemoveSSHKey(f.ctx, "mem_ana", k2.Fingerprint) })
		assertEqual(t, "SSH keys after removing one", []model.SSHKey{k1, k3}, f.member("mem_ana").SSHKeys)
		_, err := f.s.MemberBySSHKey(f.ctx, k2.Fingerprint)
		wantKind(t, "MemberBySSHKey(removed key)", err, model.KindNotFound)

		err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveSSHKey(f.ctx, "mem_ana", k2.Fingerprint) })
		wantKind(t, "RemoveSSHKey twice", err, model.KindNotFound)
		err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.RemoveSSHKey(f.ctx, "mem_bo", k1.Fingerprint) })
		wantKind(t, "RemoveSSHKey of another member's key", err, model.KindNotFound)
		assertEqual(t, "Ana's keys after Bo's refused removal", []model.SSHKey{k1, k3}, f.member("mem_ana").SSHKeys)
	})

	t.Run("FingerprintUniqueAcrossMembers", func(t *testing.T) {
		f := setupTwo(t)
		for _, owner := range []string{"mem_bo", "mem_ana"} {
			err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.AddSSHKey(f.ctx, owner, k1) })
			wantKind(t, "AddSSHKey(fingerprint in use) to "+owner, err, model.KindConflict)
		}
		cy := newMember("mem_cy", "Cy", "cy@example.com", at(0))
		cy.SSHKeys = []model.SSHKey{k2, k1}
		err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.InsertMember(f.ctx, cy) })
		wantKind(t, "InsertMember with a fingerprint in use", err, model.KindConflict)
		_, err = f.s.Member(f.ctx, "mem_cy")
		wantKind(t, "Member(refused member)", err, model.KindNotFound)
		_, err = f.s.MemberBySSHKey(f.ctx, k2.Fingerprint)
		wantKind(t, "MemberBySSHKey(key of refused member)", err, model.KindNotFound)
		assertEqual(t, "Bo's keys", []model.SSHKey(nil), f.member("mem_bo").SSHKeys)
	})
}
