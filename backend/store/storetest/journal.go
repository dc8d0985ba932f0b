package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// testUsageJournal: batches appended to the journal are read by nobody until
// a compaction; CompactUsage then leaves the store as RecordUsage of the same
// batches one by one would (last uses with the once-a-minute rule, addresses,
// counts, a gone key skipped, old days pruned), deletes what it folded (a
// second compaction folds nothing, nothing counts twice), and folds a journal
// longer than one transaction's UsageJournalRows.
func testUsageJournal(t *testing.T, open func(t *testing.T) store.Store) {
	direct, journal := setup(t, open), setup(t, open)
	ids := []string{"key_1", "key_2", "key_3", "key_B", "key_a"}
	for _, f := range []*fixture{direct, journal} {
		for _, id := range ids {
			f.insertKeys(newKey(id, at(0), "mem_x"))
		}
	}
	// Batches in time order, 10 s each, over two workspace days, as the
	// recorder appends them: keys used from a few addresses, some from
	// none, counts of uses and refusals, a key that doesn't exist.
	rng := rand.New(rand.NewPCG(1, 17))
	days := []string{"2026-03-13", "2026-03-14"}
	reasons := []string{"", "expired", "wrong_type"}
	var batches []store.UsageBatch
	for i := range 40 {
		var b store.UsageBatch
		from := at(time.Duration(i) * 10 * time.Second)
		if i >= 20 {
			from = from.Add(16 * time.Hour) // the next UTC day
		}
		// One use per key and batch: of a key's uses in one batch,
		// RecordUsage on PostgreSQL applies one, not each in turn.
		for _, id := range append(slices.Clone(ids), "key_gone") {
			if rng.IntN(3) != 0 {
				continue
			}
			addr := []string{"192.0.2.1", "192.0.2.2", "2001:db8::1", ""}[rng.IntN(4)]
			b.Uses = append(b.Uses, store.KeyUse{ID: id, At: from.Add(time.Duration(rng.IntN(10_000_000)) * time.Microsecond), Addr: addr})
		}
		slices.SortFunc(b.Uses, func(x, y store.KeyUse) int { return x.At.Compare(y.At) })
		for range rng.IntN(5) {
			id := append(slices.Clone(ids), "key_gone")[rng.IntN(len(ids)+1)]
			b.Counts = append(b.Counts, store.UsageCount{KeyID: id, Day: days[i/20], Reason: reasons[rng.IntN(3)], N: int64(1 + rng.IntN(1000))})
		}
		batches = append(batches, b)
	}
	batches = append(batches, store.UsageBatch{
		Counts:   []store.UsageCount{{KeyID: "key_1", Day: "2026-03-01", Reason: "", N: 5}},
		KeepFrom: "2026-03-02", // pruned with the rest of the days before it
	})
	for _, b := range batches {
		if err := direct.s.RecordUsage(direct.ctx, b); err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}
		if err := journal.s.AppendUsage(journal.ctx, b); err != nil {
			t.Fatalf("AppendUsage: %v", err)
		}
	}
	if got, err := journal.s.UsageTotals(journal.ctx, "2000-01-01"); err != nil || len(got) != 0 {
		t.Fatalf("before a compaction the counts read %+v, %v; want none", got, err)
	}
	if k := journal.key("key_1"); k.LastUsedAt != nil {
		t.Fatalf("before a compaction key_1 was last used %v; want never", k.LastUsedAt)
	}
	compact := func(want int) {
		t.Helper()
		// Paced: the pacer is asked between the rows read and the
		// statements written, and pacing changes nothing of what is folded.
		var pace countPacer
		n, err := journal.s.CompactUsage(journal.ctx, &pace)
		if err != nil || n != want {
			t.Fatalf("CompactUsage: %d rows, %v; want %d", n, err, want)
		}
		if want > 0 && pace.n < want {
			t.Fatalf("CompactUsage of %d rows paused %d times; want at least once a row", want, pace.n)
		}
	}
	rows := 0 // an empty batch is no row
	for _, b := range batches {
		if len(b.Uses)+len(b.Counts) > 0 {
			rows++
		}
	}
	compact(rows)
	compact(0)
	sameUsage(t, direct, journal, ids)

	// Longer than a transaction folds: the rest in the next, nothing lost.
	for i := range store.UsageJournalRows + 3 {
		b := store.UsageBatch{Counts: []store.UsageCount{{KeyID: ids[i%len(ids)], Day: "2026-03-14", Reason: "", N: 1}}}
		for _, f := range []*fixture{direct, journal} {
			if err := f.s.AppendUsage(f.ctx, b); err != nil {
				t.Fatalf("AppendUsage: %v", err)
			}
		}
	}
	for _, f := range []*fixture{direct, journal} {
		n, err := f.s.CompactUsage(f.ctx, nil)
		if err != nil || n != store.UsageJournalRows+3 {
			t.Fatalf("CompactUsage of %d rows: %d, %v", store.UsageJournalRows+3, n, err)
		}
	}
	sameUsage(t, direct, journal, ids)
	got, err := journal.s.KeyUsage(journal.ctx, "key_1", "2026-03-14")
	if err != nil || len(got) == 0 {
		t.Fatalf("KeyUsage(key_1): %+v, %v", got, err)
	}
}

// sameUsage fails unless two stores read the same usage, addresses and last
// uses for ids.
func sameUsage(t *testing.T, a, b *fixture, ids []string) {
	t.Helper()
	read := func(f *fixture) string {
		t.Helper()
		totals, err := f.s.UsageTotals(f.ctx, "2000-01-01")
		if err != nil {
			t.Fatalf("UsageTotals: %v", err)
		}
		addrs, err := f.s.KeyAddresses(f.ctx, "", at(-24*time.Hour))
		if err != nil {
			t.Fatalf("KeyAddresses: %v", err)
		}
		out := fmt.Sprintf("totals %+v\n", totals)
		for _, id := range ids {
			days, err := f.s.KeyUsage(f.ctx, id, "2000-01-01")
			if err != nil {
				t.Fatalf("KeyUsage(%s): %v", id, err)
			}
			k := f.key(id)
			last := "never"
			if k.LastUsedAt != nil {
				last = fmtTime(*k.LastUsedAt) + " from " + k.LastUsedAddr
			}
			out += fmt.Sprintf("%s: last used %s, days %+v\n", id, last, days)
		}
		for _, x := range addrs {
			out += fmt.Sprintf("%s %s: %d uses, %s to %s\n", x.KeyID, x.Addr, x.Uses, fmtTime(x.FirstSeen), fmtTime(x.LastSeen))
		}
		return out
	}
	if ga, gb := read(a), read(b); ga != gb {
		t.Errorf("RecordUsage one by one:\n%s\nthe journal compacted:\n%s", ga, gb)
	}
}

// countPacer counts the pauses it is asked for and never sleeps.
type countPacer struct{ n int }

func (p *countPacer) Pause(context.Context) { p.n++ }
