package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestUsageJournalRow: a batch reads back as it was written (times to the
// microsecond, an empty batch too), and a row cut short or with bytes after
// its end is refused, never read as a smaller batch.
func TestUsageJournalRow(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	cases := []struct {
		name string
		b    UsageBatch
	}{
		{"empty", UsageBatch{}},
		{"uses only", UsageBatch{Uses: []KeyUse{{ID: "key_1", At: t0, Addr: "192.0.2.1"}, {ID: "key_2", At: t0.Add(-time.Hour)}}}},
		{"counts only", UsageBatch{Counts: []UsageCount{{KeyID: "key_1", Day: "2026-03-14", N: 3},
			{KeyID: "key_2", Day: "2026-03-13", Reason: "expired", N: 1 << 40}, {KeyID: "key_1", Day: "2026-03-14", Reason: "wrong_type", N: -2}}}},
		{"both, pruning", UsageBatch{
			Uses:     []KeyUse{{ID: "key_é", At: t0.Add(59 * time.Second), Addr: "2001:db8::1"}, {ID: "key_1", At: t0}},
			Counts:   []UsageCount{{KeyID: "key_é", Day: "2026-03-14", N: 1}},
			KeepFrom: "2025-12-15"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := EncodeUsage(c.b)
			got, err := DecodeUsage(row)
			if err != nil {
				t.Fatalf("DecodeUsage: %v", err)
			}
			if !reflect.DeepEqual(got, c.b) {
				t.Fatalf("read back\n %+v\nwant\n %+v", got, c.b)
			}
			for n := range len(row) {
				if _, err := DecodeUsage(row[:n]); err == nil {
					t.Fatalf("the row cut to %d of %d bytes was read", n, len(row))
				}
			}
			if _, err := DecodeUsage(append(row, 0)); err == nil {
				t.Fatal("a row with a byte after its end was read")
			}
		})
	}
}

// TestFoldUsage: a fold sums counts per key, day and reason, keeps every use
// in key and time order, and makes one address row per key, address and UTC
// day with its first and last use.
func TestFoldUsage(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)
	f := FoldUsage([]UsageBatch{
		{Uses: []KeyUse{{ID: "key_b", At: t0, Addr: "192.0.2.1"}, {ID: "key_a", At: t0.Add(time.Second)}},
			Counts: []UsageCount{{KeyID: "key_b", Day: "2026-03-14", N: 2}, {KeyID: "key_a", Day: "2026-03-14", Reason: "expired", N: 1}}, KeepFrom: "2025-12-14"},
		{Uses: []KeyUse{{ID: "key_b", At: t0.Add(30 * time.Second), Addr: "192.0.2.1"}, {ID: "key_b", At: t0.Add(2 * time.Minute), Addr: "192.0.2.1"}},
			Counts: []UsageCount{{KeyID: "key_b", Day: "2026-03-14", N: 5}, {KeyID: "key_b", Day: "2026-03-15", N: 1}}, KeepFrom: "2025-12-15"},
	})
	wantUses := []KeyUse{{ID: "key_a", At: t0.Add(time.Second)}, {ID: "key_b", At: t0, Addr: "192.0.2.1"},
		{ID: "key_b", At: t0.Add(30 * time.Second), Addr: "192.0.2.1"}, {ID: "key_b", At: t0.Add(2 * time.Minute), Addr: "192.0.2.1"}}
	wantAddrs := []AddrUse{
		{KeyID: "key_b", Addr: "192.0.2.1", Day: AddressDay(t0), First: t0, Last: t0.Add(30 * time.Second), Uses: 2},
		{KeyID: "key_b", Addr: "192.0.2.1", Day: AddressDay(t0) + 1, First: t0.Add(2 * time.Minute), Last: t0.Add(2 * time.Minute), Uses: 1},
	}
	wantCounts := []UsageCount{{KeyID: "key_a", Day: "2026-03-14", Reason: "expired", N: 1},
		{KeyID: "key_b", Day: "2026-03-14", N: 7}, {KeyID: "key_b", Day: "2026-03-15", N: 1}}
	if !reflect.DeepEqual(f.Uses, wantUses) || !reflect.DeepEqual(f.Addrs, wantAddrs) || !reflect.DeepEqual(f.Counts, wantCounts) ||
		f.KeepFrom != "2025-12-15" || !f.Newest.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("fold:\n %+v\nwant uses %+v\naddrs %+v\ncounts %+v", f, wantUses, wantAddrs, wantCounts)
	}
}

// TestFoldJournal: rows are folded oldest first whatever order they were
// read in (of two uses at one instant the older row's is applied), and a row that can't be read
// (cut short, an unknown version, bytes from elsewhere) is named and left
// out while the rest are folded.
func TestFoldJournal(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	row := func(seq int64, b UsageBatch) JournalRow { return JournalRow{Seq: seq, Data: EncodeUsage(b)} }
	good1 := row(1, UsageBatch{Uses: []KeyUse{{ID: "key_1", At: t0}}, Counts: []UsageCount{{KeyID: "key_1", Day: "2026-03-14", N: 1}}, KeepFrom: "2025-12-14"})
	// At the same instant as good1's use, from elsewhere: second in the fold.
	good2 := row(4, UsageBatch{Uses: []KeyUse{{ID: "key_1", At: t0, Addr: "192.0.2.4"}, {ID: "key_1", At: t0.Add(time.Hour)}}, Counts: []UsageCount{{KeyID: "key_1", Day: "2026-03-14", N: 2}}, KeepFrom: "2025-12-15"})
	cut := JournalRow{Seq: 2, Data: good1.Data[:len(good1.Data)-1]}
	version := JournalRow{Seq: 3, Data: append([]byte{usageJournalVersion + 1}, good1.Data[1:]...)}
	foreign := JournalRow{Seq: 5, Data: []byte("apk_imp_not_a_row")}
	f, bad := FoldJournal(t.Context(), []JournalRow{foreign, good2, cut, version, good1}, nil)
	want := FoldUsage([]UsageBatch{mustDecode(t, good1.Data), mustDecode(t, good2.Data)})
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("fold\n %+v\nwant the two good rows'\n %+v", f, want)
	}
	if !errors.Is(bad, errJournalRow) {
		t.Fatalf("bad = %v, want the malformed rows", bad)
	}
	msg := bad.Error()
	for _, w := range []string{"row 2: ", "row 3: ", "row 5: "} {
		if !strings.Contains(msg, w) {
			t.Errorf("bad %q does not name %q", msg, w)
		}
	}
	if strings.Contains(msg, "row 1: ") || strings.Contains(msg, "row 4: ") || strings.Contains(msg, "apk_") {
		t.Errorf("bad %q names a good row or quotes a row's bytes", msg)
	}
	if f, bad := FoldJournal(t.Context(), nil, nil); bad != nil || len(f.Uses)+len(f.Addrs)+len(f.Counts) != 0 {
		t.Errorf("no rows: %+v, %v", f, bad)
	}
}

func mustDecode(t *testing.T, row []byte) UsageBatch {
	t.Helper()
	b, err := DecodeUsage(row)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeUsage: whatever a journal row holds, DecodeUsage doesn't panic or
// make more than the row's bytes of entries; a row it reads means what
// EncodeUsage writes for that batch, and the row cut by a byte or with one
// more is refused.
func FuzzDecodeUsage(f *testing.F) {
	t0 := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	f.Add(EncodeUsage(UsageBatch{}))
	f.Add(EncodeUsage(UsageBatch{Uses: []KeyUse{{ID: "key_1", At: t0, Addr: "192.0.2.1"}, {ID: "key_2", At: t0.Add(-time.Hour)}},
		Counts:   []UsageCount{{KeyID: "key_1", Day: "2026-03-14", N: 3}, {KeyID: "key_2", Day: "2026-03-13", Reason: "expired", N: -1}},
		KeepFrom: "2025-12-15"}))
	f.Add([]byte{usageJournalVersion, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, row []byte) {
		b, err := DecodeUsage(row)
		if err != nil {
			if !errors.Is(err, errJournalRow) {
				t.Fatalf("%x: error %v is not errJournalRow", row, err)
			}
			return
		}
		if len(b.Uses)+len(b.Counts) > len(row) {
			t.Fatalf("%x: %d uses and %d counts from %d bytes", row, len(b.Uses), len(b.Counts), len(row))
		}
		again, err := DecodeUsage(EncodeUsage(b))
		if err != nil || !reflect.DeepEqual(again, b) {
			t.Fatalf("%x: read %+v; written again and read back: %+v, %v", row, b, again, err)
		}
		if _, err := DecodeUsage(row[:len(row)-1]); err == nil {
			t.Fatalf("%x: read with its last byte cut", row)
		}
		if _, err := DecodeUsage(append(row[:len(row):len(row)], 0)); err == nil {
			t.Fatalf("%x: read with a byte after its end", row)
		}
	})
}
