package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func keyID(k model.Key) string { return k.ID }

// byNewest is the order Keys promises: CreatedAt descending, then ID descending
// in byte order (Go's string order; a PostgreSQL store needs COLLATE "C").
func byNewest(a, b model.Key) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

func testKeys(t *testing.T, open func(t *testing.T) store.Store) {
	ana := newMember("mem_ana", "Ana", "ana@example.com", t0)
	bo := newMember("mem_bo", "Bo", "bo@example.com", t0)

	t.Run("InsertedFieldsRoundTrip", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(ana, bo)
		plain := newKey("key_plain", at(time.Second), ana.ID) // nil pointers, empty links
		full := newKey("key_full", at(2*time.Second), ana.ID)
		full.Type = model.KeyAuditLogs
		full.Name = "Ünïcödé audit feed ✓"
		full.LastUsedAt = ptr(at(3 * time.Second))
		full.LastUsedAddr = "203.0.113.7:51234"
		full.RotatedFrom = plain.ID
		full.ReplacedBy = "key_next"
		full.DeletedAt = ptr(at(4 * time.Second))
		full.UpdatedAt = at(4 * time.Second)
		full.UpdatedBy = bo.ID
		full.Version = 7 // InsertKey stores version 1 whatever it is given
		f.insertKeys(plain, full)

		for _, k := range []model.Key{plain, full} {
			want := k
			want.Version = 1
			want.CreatedByName, want.OwnerName = "Ana", "Ana"
			want.UpdatedByName = map[string]string{ana.ID: "Ana", bo.ID: "Bo"}[k.UpdatedBy]
			assertEqual(t, "Key("+k.ID+")", want, f.key(k.ID))
		}
	})

	t.Run("CreatorNeedNotBeAMember", func(t *testing.T) {
		f := setup(t, open)
		k := newKey("key_sys", at(0), "system")
		f.insertKeys(k)
		assertEqual(t, "key created by a non-member", k, f.key(k.ID))
	})

	t.Run("TimesComeBackInUTC", func(t *testing.T) {
		f := setup(t, open)
		k := newKey("key_zoned", at(0), "mem_x")
		k.CreatedAt = k.CreatedAt.In(time.FixedZone("UTC+2", 2*3600))
		k.ExpiresAt = k.ExpiresAt.In(time.FixedZone("UTC-7", -7*3600))
		f.insertKeys(k)
		got := f.key(k.ID)
		want := k
		want.CreatedAt, want.ExpiresAt = k.CreatedAt.UTC(), k.ExpiresAt.UTC()
		assertEqual(t, "key stored with zoned times", want, got)
	})

	t.Run("KeyByHashFindsKeysAndTombstones", func(t *testing.T) {
		f := setup(t, open)
		live := newKey("key_live", at(0), ana.ID)
		dead := newKey("key_dead", at(time.Second), ana.ID)
		dead.DeletedAt = ptr(at(time.Minute))
		f.insertKeys(live, dead)
		for _, k := range []model.Key{live, dead} {
			got, err := f.s.KeyByHash(f.ctx, k.Hash)
			if err != nil {
				t.Fatalf("KeyByHash(hash of %s): %v", k.ID, err)
			}
			if got.ID != k.ID {
				t.Fatalf("KeyByHash(hash of %s) = %s", k.ID, got.ID)
			}
		}
		_, err := f.s.KeyByHash(f.ctx, hashOf("never issued"))
		wantKind(t, "KeyByHash(unknown hash)", err, model.KindNotFound)
	})

	t.Run("DuplicateHashIsConflict", func(t *testing.T) {
		f := setup(t, open)
		first := newKey("key_first", at(0), ana.ID)
		f.insertKeys(first)
		second := newKey("key_second", at(time.Second), ana.ID)
		second.Hash = first.Hash
		err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.InsertKey(f.ctx, second) })
		wantKind(t, "InsertKey with a hash in use", err, model.KindConflict)
		_, err = f.s.Key(f.ctx, second.ID)
		wantKind(t, "Key(refused key)", err, model.KindNotFound)
	})

	t.Run("ListNewestFirstTiesByIDDescending", func(t *testing.T) {
		f := setup(t, open)
		// Ties on CreatedAt with ids that differ in case: byte order puts "B"
		// before "a", a locale collation would not.
		keys := []model.Key{
			newKey("key_b", at(0), ana.ID),
			newKey("key_c", at(-time.Hour), ana.ID),
			newKey("key_B", at(0), ana.ID),
			newKey("key_Z", at(time.Hour), ana.ID),
			newKey("key_a", at(0), ana.ID),
			newKey("key_0", at(time.Microsecond), ana.ID),
			newKey("key_A", at(0), ana.ID),
		}
		f.insertKeys(keys...)
		want := slices.Clone(keys)
		slices.SortFunc(want, byNewest)
		got, err := f.s.Keys(f.ctx, store.KeyQuery{})
		if err != nil {
			t.Fatalf("Keys: %v", err)
		}
		assertOrder(t, "Keys order", ids(want, keyID), ids(got, keyID))
	})

	t.Run("ListHidesTombstonesUnlessAsked", func(t *testing.T) {
		f := setup(t, open)
		got, err := f.s.Keys(f.ctx, store.KeyQuery{IncludeDeleted: true})
		if err != nil || len(got) != 0 {
			t.Fatalf("Keys on an empty store = %v, %v; want none", ids(got, keyID), err)
		}
		live := newKey("key_live", at(0), ana.ID)
		dead := newKey("key_dead", at(time.Second), ana.ID)
		dead.DeletedAt = ptr(at(time.Minute))
		f.insertKeys(live, dead)
		got, err = f.s.Keys(f.ctx, store.KeyQuery{})
		if err != nil {
			t.Fatalf("Keys: %v", err)
		}
		assertOrder(t, "Keys without deleted", []string{"key_live"}, ids(got, keyID))
		got, err = f.s.Keys(f.ctx, store.KeyQuery{IncludeDeleted: true})
		if err != nil {
			t.Fatalf("Keys(IncludeDeleted): %v", err)
		}
		assertOrder(t, "Keys with deleted", []string{"key_dead", "key_live"}, ids(got, keyID))
	})

	// A store may cache the list; whatever it does, each committed change must
	// show in the next Keys call, and a caller's changes to a returned list must
	// not show in the next one.
	t.Run("ListSeesEveryCommittedChange", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(ana)
		f.insertKeys(newKey("key_1", at(0), ana.ID), newKey("key_2", at(time.Second), ana.ID))
		list := func() []model.Key {
			t.Helper()
			keys, err := f.s.Keys(f.ctx, store.KeyQuery{})
			if err != nil {
				t.Fatalf("Keys: %v", err)
			}
			return keys
		}
		scribble := list()
		scribble[0].Name = "scribbled"
		scribble[0].Hash[0] ^= 0xff
		if got := list(); got[0].Name == "scribbled" || got[0].Hash[0] != hashOf("key_2")[0] {
			t.Fatalf("a caller's change to a listed key showed in the next list")
		}

		edit := f.key("key_1")
		edit.Name = "Edited"
		f.update(func(tx store.Tx) error { _, err := tx.UpdateKey(f.ctx, edit); return err })
		if got := list(); got[1].Name != "Edited" || got[1].Version != 2 {
			t.Fatalf("after UpdateKey, Keys shows name %q version %d", got[1].Name, got[1].Version)
		}
		if err := f.s.TouchKey(f.ctx, "key_1", at(time.Hour), "192.0.2.1:1"); err != nil {
			t.Fatalf("TouchKey: %v", err)
		}
		if got := list(); got[1].LastUsedAt == nil || !got[1].LastUsedAt.Equal(at(time.Hour)) {
			t.Fatalf("after TouchKey, Keys shows LastUsedAt %v", got[1].LastUsedAt)
		}
		renamed := f.member(ana.ID)
		renamed.Name = "Ana Lima"
		f.update(func(tx store.Tx) error { _, err := tx.UpdateMember(f.ctx, renamed); return err })
		if got := list(); got[0].CreatedByName != "Ana Lima" {
			t.Fatalf("after renaming the creator, Keys shows %q", got[0].CreatedByName)
		}
		f.insertKeys(newKey("key_3", at(2*time.Second), ana.ID))
		assertOrder(t, "Keys after an insert", []string{"key_3", "key_2", "key_1"}, ids(list(), keyID))
	})

	t.Run("UpdateKeyBumpsVersionAndReturnsNewRow", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(ana, bo)
		orig := newKey("key_1", at(0), ana.ID)
		orig.LastUsedAt, orig.LastUsedAddr = ptr(at(time.Minute)), "198.51.100.1:4000"
		orig.RotatedFrom = "key_0"
		f.insertKeys(orig)

		change := f.key(orig.ID)
		change.Name = "Renamed"
		change.ExpiresAt = at(30 * 24 * time.Hour)
		change.ReplacedBy = "key_2"
		change.DeletedAt = ptr(at(2 * time.Hour))
		change.UpdatedAt = at(2 * time.Hour)
		change.UpdatedBy = bo.ID
		// Immutable fields: UpdateKey must ignore these.
		change.Type, change.Hint, change.Hash = model.KeyExport, "apk_exp_zzzz…zzzz", hashOf("other")
		change.CreatedAt, change.CreatedBy, change.RotatedFrom = at(time.Hour), bo.ID, "key_x"
		change.LastUsedAt, change.LastUsedAddr = nil, ""

		var got model.Key
		f.update(func(tx store.Tx) error {
			var err error
			got, err = tx.UpdateKey(f.ctx, change)
			return err
		})
		want := orig
		want.Name, want.ExpiresAt, want.ReplacedBy = "Renamed", change.ExpiresAt, "key_2"
		want.DeletedAt, want.UpdatedAt, want.UpdatedBy = change.DeletedAt, change.UpdatedAt, bo.ID
		want.CreatedByName, want.UpdatedByName, want.OwnerName = "Ana", "Bo", "Ana"
		want.Version = 2
		assertEqual(t, "UpdateKey result", want, got)
		assertEqual(t, "Key after UpdateKey", want, f.key(orig.ID))
	})

	t.Run("UpdateKeyFromStaleVersionIsConflict", func(t *testing.T) {
		f := setup(t, open)
		f.insertKeys(newKey("key_1", at(0), ana.ID))
		v1 := f.key("key_1")

		first := v1
		first.Name = "First edit"
		f.update(func(tx store.Tx) error { _, err := tx.UpdateKey(f.ctx, first); return err })
		v2 := f.key("key_1")

		for _, version := range []int64{1, 3, 0} {
			stale := v1
			stale.Name = "Lost edit"
			stale.Version = version
			err := f.s.Update(f.ctx, func(tx store.Tx) error { _, err := tx.UpdateKey(f.ctx, stale); return err })
			wantKind(t, "UpdateKey at a stale version", err, model.KindConflict)
			assertEqual(t, "key after a refused UpdateKey", v2, f.key("key_1"))
		}
		if v2.Version != 2 || v2.Name != "First edit" {
			t.Fatalf("after one edit: version %d name %q; want 2 %q", v2.Version, v2.Name, "First edit")
		}
	})

	t.Run("CreatorAndEditorNamesFollowMembers", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(ana, bo)
		k := newKey("key_1", at(0), ana.ID)
		k.UpdatedBy = bo.ID
		f.insertKeys(k)
		renamed := f.member(ana.ID)
		renamed.Name = "Ana Lima"
		f.update(func(tx store.Tx) error { _, err := tx.UpdateMember(f.ctx, renamed); return err })

		got := f.key(k.ID)
		if got.CreatedByName != "Ana Lima" || got.UpdatedByName != "Bo" {
			t.Fatalf("Key names = %q, %q; want %q, %q", got.CreatedByName, got.UpdatedByName, "Ana Lima", "Bo")
		}
		list, err := f.s.Keys(f.ctx, store.KeyQuery{})
		if err != nil || len(list) != 1 {
			t.Fatalf("Keys = %d keys, %v; want 1", len(list), err)
		}
		if list[0].CreatedByName != "Ana Lima" || list[0].UpdatedByName != "Bo" {
			t.Fatalf("Keys names = %q, %q; want %q, %q", list[0].CreatedByName, list[0].UpdatedByName, "Ana Lima", "Bo")
		}
		byHash, err := f.s.KeyByHash(f.ctx, k.Hash)
		if err != nil || byHash.CreatedByName != "Ana Lima" {
			t.Fatalf("KeyByHash CreatedByName = %q, %v; want %q", byHash.CreatedByName, err, "Ana Lima")
		}
	})

	// Names come from members at read time: a member added after the keys they
	// created (an id that named no member until then) names them in the next
	// list, and keys edited in one transaction all show in it, in order.
	t.Run("ListSeesAMemberAddedAfterTheirKeys", func(t *testing.T) {
		f := setup(t, open)
		f.insertKeys(newKey("key_1", at(0), "mem_later"), newKey("key_2", at(time.Second), ana.ID))
		list := func() []model.Key {
			t.Helper()
			keys, err := f.s.Keys(f.ctx, store.KeyQuery{})
			if err != nil {
				t.Fatalf("Keys: %v", err)
			}
			return keys
		}
		if got := list(); got[1].CreatedByName != "" {
			t.Fatalf("a creator who is not a member reads as %q, want empty", got[1].CreatedByName)
		}
		f.insertMembers(newMember("mem_later", "Cy", "cy@example.com", at(time.Minute)))
		if got := list(); got[1].CreatedByName != "Cy" || got[0].CreatedByName != "" {
			t.Fatalf("after adding the creator, Keys names %q and %q; want %q and none", got[1].CreatedByName,
				got[0].CreatedByName, "Cy")
		}
		f.update(func(tx store.Tx) error {
			for _, id := range []string{"key_1", "key_2"} {
				k, err := tx.Key(f.ctx, id)
				if err != nil {
					return err
				}
				k.Name = "Both " + id
				if _, err := tx.UpdateKey(f.ctx, k); err != nil {
					return err
				}
			}
			return tx.InsertKey(f.ctx, newKey("key_0", at(-time.Second), ana.ID))
		})
		got := list()
		assertOrder(t, "Keys after one transaction", []string{"key_2", "key_1", "key_0"}, ids(got, keyID))
		if got[0].Name != "Both key_2" || got[1].Name != "Both key_1" {
			t.Fatalf("after one transaction editing both keys, Keys names %q and %q", got[0].Name, got[1].Name)
		}
	})
}

func testTouchKey(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	f.insertKeys(newKey("key_1", at(0), "mem_x"))
	before := f.key("key_1")

	// Each step touches at `when` and expects LastUsedAt to be `want` after it.
	steps := []struct {
		name       string
		when, want time.Duration
		addr       string
		wantAddr   string
	}{
		{"first use is written", time.Hour, time.Hour, "192.0.2.1:1000", "192.0.2.1:1000"},
		{"30s later is ignored", time.Hour + 30*time.Second, time.Hour, "192.0.2.2:1000", "192.0.2.1:1000"},
		{"61s later is written", time.Hour + 61*time.Second, time.Hour + 61*time.Second, "192.0.2.3:1000", "192.0.2.3:1000"},
		{"exactly a minute later is written", time.Hour + 121*time.Second, time.Hour + 121*time.Second, "192.0.2.4:1000", "192.0.2.4:1000"},
		{"an earlier use never moves it back", time.Hour, time.Hour + 121*time.Second, "192.0.2.5:1000", "192.0.2.4:1000"},
	}
	for _, st := range steps {
		if err := f.s.TouchKey(f.ctx, "key_1", at(st.when), st.addr); err != nil {
			t.Fatalf("%s: TouchKey: %v", st.name, err)
		}
		got := f.key("key_1")
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at(st.want)) || got.LastUsedAddr != st.wantAddr {
			t.Fatalf("%s: LastUsedAt %v from %q; want %s from %q", st.name, got.LastUsedAt, got.LastUsedAddr,
				fmtTime(at(st.want)), st.wantAddr)
		}
		if got.Version != before.Version || !got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("%s: TouchKey changed version %d→%d or UpdatedAt; a use is not an edit", st.name,
				before.Version, got.Version)
		}
	}
	err := f.s.TouchKey(f.ctx, "key_missing", at(0), "192.0.2.1:1")
	wantKind(t, "TouchKey(missing key)", err, model.KindNotFound)
}
