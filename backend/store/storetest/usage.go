package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// testUsage: RecordUsage adds counts to a key's day and result (batches add
// up, a key that is gone is skipped), writes the last uses of the same batch,
// prunes the days before KeepFrom; KeyUsage reads one key's days in order and
// UsageTotals sums every key's from a day on, in one answer.
func testUsage(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	f.insertKeys(newKey("key_1", at(0), "mem_x"), newKey("key_2", at(0), "mem_x"))
	record := func(b store.UsageBatch) {
		t.Helper()
		if err := f.s.RecordUsage(f.ctx, b); err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}
	}
	c := func(id, day, reason string, n int64) store.UsageCount {
		return store.UsageCount{KeyID: id, Day: day, Reason: reason, N: n}
	}
	record(store.UsageBatch{
		Uses: []store.KeyUse{{ID: "key_1", At: at(time.Hour), Addr: "192.0.2.1"}},
		Counts: []store.UsageCount{c("key_1", "2026-03-13", "", 5), c("key_1", "2026-03-14", "", 2),
			c("key_1", "2026-03-14", "wrong_type", 1), c("key_nope", "2026-03-14", "", 9)},
	})
	record(store.UsageBatch{Counts: []store.UsageCount{c("key_1", "2026-03-14", "", 3),
		c("key_2", "2026-03-14", "expired", 4), c("key_2", "2026-03-01", "", 7)}})
	if k := f.key("key_1"); k.LastUsedAt == nil || !k.LastUsedAt.Equal(at(time.Hour)) || k.LastUsedAddr != "192.0.2.1" {
		t.Errorf("key_1 last used %v from %q: the batch's last use was not written", k.LastUsedAt, k.LastUsedAddr)
	}
	// Two uses of one key in one batch are TouchKey twice: the later one is
	// the key's last use, whichever the batch lists first.
	record(store.UsageBatch{Uses: []store.KeyUse{{ID: "key_2", At: at(2 * time.Hour), Addr: "192.0.2.2"},
		{ID: "key_2", At: at(3 * time.Hour), Addr: "192.0.2.3"}, {ID: "key_2", At: at(2*time.Hour + time.Minute)}}})
	if k := f.key("key_2"); k.LastUsedAt == nil || !k.LastUsedAt.Equal(at(3*time.Hour)) || k.LastUsedAddr != "192.0.2.3" {
		t.Errorf("key_2 last used %v from %q, want %v from 192.0.2.3: a batch's later use of a key was lost", k.LastUsedAt, k.LastUsedAddr, at(3*time.Hour))
	}
	usage := func(id, from string) []store.UsageCount {
		t.Helper()
		got, err := f.s.KeyUsage(f.ctx, id, from)
		if err != nil {
			t.Fatalf("KeyUsage(%s): %v", id, err)
		}
		return got
	}
	totals := func(from string) []store.UsageCount {
		t.Helper()
		got, err := f.s.UsageTotals(f.ctx, from)
		if err != nil {
			t.Fatalf("UsageTotals: %v", err)
		}
		return got
	}
	equal := func(what string, got, want []store.UsageCount) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
		}
	}
	equal("key_1", usage("key_1", "2026-03-01"), []store.UsageCount{c("key_1", "2026-03-13", "", 5),
		c("key_1", "2026-03-14", "", 5), c("key_1", "2026-03-14", "wrong_type", 1)})
	equal("key_1 from the 14th", usage("key_1", "2026-03-14"), []store.UsageCount{c("key_1", "2026-03-14", "", 5),
		c("key_1", "2026-03-14", "wrong_type", 1)})
	equal("key_nope", usage("key_nope", "2026-03-01"), nil)
	equal("totals", totals("2026-03-01"), []store.UsageCount{c("key_1", "", "", 10),
		c("key_1", "", "wrong_type", 1), c("key_2", "", "", 7), c("key_2", "", "expired", 4)})
	equal("totals from the 14th", totals("2026-03-14"), []store.UsageCount{c("key_1", "", "", 5),
		c("key_1", "", "wrong_type", 1), c("key_2", "", "expired", 4)})

	record(store.UsageBatch{Counts: []store.UsageCount{c("key_2", "2026-03-14", "", 1)}, KeepFrom: "2026-03-14"})
	equal("after pruning", totals("2000-01-01"), []store.UsageCount{c("key_1", "", "", 5),
		c("key_1", "", "wrong_type", 1), c("key_2", "", "", 1), c("key_2", "", "expired", 4)})
}

// testOwner: a key's owner is stored, read back with the owner's name, and
// changed by UpdateKey; a key stored without one reads as its creator's.
func testOwner(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	ana := model.Member{ID: "mem_ana", Name: "Ana", Email: "ana@example.com", AccountType: model.WorkspaceAdmin,
		Status: model.StatusActive, CreatedAt: at(0), UpdatedAt: at(0), Version: 1}
	bo := ana
	bo.ID, bo.Name, bo.Email = "mem_bo", "Bo", "bo@example.com"
	if err := f.s.Update(f.ctx, func(tx store.Tx) error {
		if err := tx.InsertMember(f.ctx, ana); err != nil {
			return err
		}
		return tx.InsertMember(f.ctx, bo)
	}); err != nil {
		t.Fatal(err)
	}
	k := newKey("key_1", at(0), ana.ID)
	f.insertKeys(k)
	if got := f.key("key_1"); got.OwnerID != ana.ID || got.OwnerName != "Ana" {
		t.Fatalf("owner %q (%q), want mem_ana (Ana)", got.OwnerID, got.OwnerName)
	}
	k.OwnerID = bo.ID
	var got model.Key
	if err := f.s.Update(f.ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.UpdateKey(f.ctx, k)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.OwnerID != bo.ID || got.OwnerName != "Bo" || f.key("key_1").OwnerID != bo.ID {
		t.Fatalf("after UpdateKey: owner %q (%q), want mem_bo (Bo)", got.OwnerID, got.OwnerName)
	}
}
