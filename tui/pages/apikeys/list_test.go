package apikeys

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

func manyKeys(n int) []model.Key {
	keys := make([]model.Key, n)
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range keys {
		typ := model.KeyTypes[i%len(model.KeyTypes)]
		keys[i] = model.Key{ID: fmt.Sprintf("key_%08d", i), Name: fmt.Sprintf("Service %d", i), Type: typ,
			Hint: "apk_" + typ.Prefix() + "_Ab3x…9fQz", CreatedByName: []string{"Ana Lima", "Ben Ortiz"}[i%2],
			CreatedAt: t0.Add(-time.Duration(i) * time.Second)}
	}
	return keys
}

func TestListSortsNewestFirst(t *testing.T) {
	keys := manyKeys(50)
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	l := list{by: sortCreated, desc: true}
	l.set(keys)
	l.filter("", "")
	if !slices.IsSortedFunc(l.view, func(a, b int32) int { return l.key(int(b)).CreatedAt.Compare(l.key(int(a)).CreatedAt) }) {
		t.Fatal("keys are not newest first")
	}
}

// Each order, both ways, over keys that tie on every column but the id.
func TestListSortsByEachColumn(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	at := func(d int) *time.Time { x := t0.Add(time.Duration(d) * time.Hour); return &x }
	keys := []model.Key{
		{ID: "key_a", Name: "beta", Type: model.KeyImport, CreatedAt: t0, ExpiresAt: t0.Add(48 * time.Hour), LastUsedAt: at(1)},
		{ID: "key_b", Name: "Alpha", Type: model.KeyAuditLogs, CreatedAt: t0.Add(time.Hour), ExpiresAt: t0.Add(24 * time.Hour)},
		{ID: "key_c", Name: "gamma", Type: model.KeyExport, CreatedAt: t0.Add(2 * time.Hour), ExpiresAt: t0.Add(72 * time.Hour), LastUsedAt: at(3)},
		{ID: "key_d", Name: "alpha", Type: model.KeyImport, CreatedAt: t0.Add(2 * time.Hour), ExpiresAt: t0.Add(24 * time.Hour), LastUsedAt: at(1)},
	}
	for _, c := range []struct {
		sort    int
		reverse bool
		want    string
	}{
		{sortCreated, false, "dcba"}, // newest first; the tie (c, d) by id, reversed with the rest
		{sortCreated, true, "abcd"},
		{sortName, false, "bdac"}, // case does not matter: Alpha, alpha by id
		{sortName, true, "cadb"},
		{sortType, false, "bcad"},    // Audit logs, Export, Import (a, d)
		{sortExpires, false, "bdac"}, // soonest first: the expiring view's order
		{sortUsed, false, "cdab"},    // most recent first (a, d tie: by id, reversed), never used last
		{sortUsed, true, "badc"},
	} {
		s := newSort()
		s.Set(c.sort)
		if c.reverse {
			s.Key(press("S"), keymap.Default())
		}
		l := list{by: s.Index(), desc: s.Desc()}
		l.set(slices.Clone(keys))
		l.filter("", "")
		got := ""
		for _, i := range l.view {
			got += l.id(int(i))[4:]
		}
		if got != c.want {
			t.Errorf("by %s reversed %v: %s, want %s", s.Name(), c.reverse, got, c.want)
		}
		// The sort state's own order over model.Key is the same order.
		ks := slices.Clone(keys)
		slices.SortFunc(ks, s.Cmp())
		got = ""
		for _, k := range ks {
			got += k.ID[4:]
		}
		if got != c.want {
			t.Errorf("listing order by %s reversed %v: %s, want %s", s.Name(), c.reverse, got, c.want)
		}
	}
}

func press(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// Narrowing a query searches only the last result; it must keep exactly what a
// full search keeps.
func TestFilterIncrementalMatchesFull(t *testing.T) {
	var l list
	l.set(manyKeys(5000))
	typed := ""
	for _, r := range "service 12" {
		prev := typed
		typed += string(r)
		l.filter(typed, prev)
		got := slices.Clone(l.view)
		l.filter(typed, "")
		if !slices.Equal(got, l.view) {
			t.Fatalf("query %q: incremental kept %d rows, full search %d", typed, len(got), len(l.view))
		}
	}
	l.filter("AUDIT LOGS", "")
	if len(l.view) != 1250 {
		t.Errorf("type label, any case: kept %d, want 1250", len(l.view))
	}
	l.filter("ben ortiz", "")
	if len(l.view) != 2500 {
		t.Errorf("creator: kept %d, want 2500", len(l.view))
	}
	l.filter("", "ben ortiz")
	if len(l.view) != 5000 {
		t.Errorf("empty query keeps everything, kept %d", len(l.view))
	}
}

// Filtering 100,000 keys from scratch (a new query, the worst case).
func BenchmarkFilter100k(b *testing.B) {
	var l list
	l.set(manyKeys(100_000))
	b.ReportAllocs()
	for b.Loop() {
		l.filter("service 4", "")
	}
}

// An entry gives back the key it was made of (the hash aside).
func TestEntryRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 30, 0, 123000, time.UTC)
	used, gone := t0.Add(time.Hour), t0.Add(2*time.Hour)
	for _, k := range []model.Key{
		{ID: "key_a", Name: "Nightly", Type: model.KeyImport, Hint: "apk_imp_Ab3x…9fQz", CreatedAt: t0, CreatedBy: "mem_1", CreatedByName: "Ana", OwnerID: "mem_2", OwnerName: "Bo",
			ExpiresAt: t0.Add(48 * time.Hour), UpdatedAt: t0, UpdatedBy: "mem_1", UpdatedByName: "Ana", Version: 1},
		{ID: "key_b", Name: "Rotated", Type: model.KeyAuditLogs, Hint: "h", CreatedAt: t0, CreatedBy: "mem_1", CreatedByName: "Ana",
			ExpiresAt: t0, LastUsedAt: &used, LastUsedAddr: "192.0.2.1", RotatedFrom: "key_x", ReplacedBy: "key_y", DeletedAt: &gone,
			UpdatedAt: used, UpdatedBy: "mem_2", UpdatedByName: "Ben", Version: 7},
	} {
		var l list
		l.set([]model.Key{k})
		if got := l.key(0); !reflect.DeepEqual(got, k) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, k)
		}
	}
}

// keysLike are n keys whose names share long prefixes and differ in case and
// length (the name sort reads them 8 bytes at a time), some with non-ASCII
// names, several with the same name, created in a random order.
func keysLike(n int, r *rand.Rand) []model.Key {
	keys := manyKeys(n)
	stems := []string{"Audit logs key 0", "audit logs key 0", "Import key", "Ünïcode naMe ", "ab", "abcdefgh", "abcdefghi", "Zeta"}
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range keys {
		k := &keys[i]
		k.Name = stems[r.IntN(len(stems))] + fmt.Sprint(r.IntN(n/4+1))
		if r.IntN(10) == 0 {
			k.Name = stems[r.IntN(len(stems))]
		}
		k.CreatedAt = t0.Add(time.Duration(r.IntN(n)) * time.Second)
		k.ExpiresAt = t0.Add(time.Duration(r.IntN(n)) * time.Hour)
		if r.IntN(3) > 0 {
			u := t0.Add(time.Duration(r.IntN(100)) * time.Minute)
			k.LastUsedAt = &u
		}
	}
	return keys
}

// The sort made for many keys (sort keys, names 8 bytes at a time, run off
// the UI goroutine) gives the order the sort state's model.Key comparison
// gives, in every order and direction.
func TestSortJobMatchesModelOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := keysLike(3000, r)
	for by := range sorts {
		for _, desc := range []bool{false, true} {
			var l list
			l.unsorted()
			l.set(keys)
			j := l.job(by, desc)
			if j == nil {
				t.Fatalf("by %d: no sort needed over random keys", by)
			}
			if !l.take(j, j.run()) {
				t.Fatal("rows changed meanwhile")
			}
			s := newSort()
			s.Set(by)
			if s.Desc() != desc {
				s.Key(press("S"), keymap.Default())
			}
			want := slices.Clone(keys)
			slices.SortFunc(want, s.Cmp())
			for n, i := range l.order {
				if got := l.id(int(i)); got != want[n].ID {
					t.Fatalf("by %s desc %v: row %d is %s (%q), want %s (%q)", s.Name(), desc, n, got, l.name(int(i)), want[n].ID, want[n].Name)
				}
			}
			// A key put in afterwards lands where the order says.
			k := keys[7]
			k.Name, k.ID = "abcdefgh0", "key_zz"
			l.put(k)
			if !slices.IsSortedFunc(l.order, l.cmpAt) {
				t.Fatalf("by %s desc %v: out of order after put", s.Name(), desc)
			}
		}
	}
}

// A sort whose keys changed while it ran is not applied.
func TestSortJobStaleAfterChange(t *testing.T) {
	var l list
	l.unsorted()
	l.set(keysLike(100, rand.New(rand.NewPCG(3, 4))))
	j := l.job(sortName, false)
	l.remove(l.id(5))
	if l.take(j, j.run()) {
		t.Fatal("a sort over the keys before a removal was applied")
	}
}

// The filter over the packed haystack (one search over all the text, split
// across cores, or key by key) keeps what a plain search of each key's
// fields keeps, also after keys are changed and removed.
func TestFilterMatchesPlainSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	keys := keysLike(120_000, r) // over the size split across cores
	var l list
	l.unsorted()
	l.set(keys)
	// Changes: renamed keys (a new segment, the old one dead), removed keys
	// (the last takes their place).
	for n := 0; n < 50; n++ {
		k := l.key(r.IntN(l.Len()))
		k.Name = "Renamed " + k.Name
		l.put(k)
		l.remove(l.id(r.IntN(l.Len())))
	}
	plain := func(q string) []int32 {
		q = strings.ToLower(q)
		var out []int32
		for _, i := range l.order {
			k := l.key(int(i))
			for _, f := range []string{k.Name, k.Type.Label(), k.Hint, k.CreatedByName, k.ID} {
				if strings.Contains(strings.ToLower(f), q) {
					out = append(out, i)
					break
				}
			}
		}
		return out
	}
	prev := ""
	for _, q := range []string{"7", "77", "renamed", "RENAMED a", "ünï", "audit logs", "ben", "key_0001", "abcdefghi", "…", "nothing like it"} {
		l.filter(q, prev)
		if want := plain(q); !slices.Equal(l.view, want) {
			t.Errorf("%q: kept %d keys, a plain search %d", q, len(l.view), len(want))
		}
		prev = q
	}
}

// A new query over 1,000,000 keys (the worst case), then the empty query.
func BenchmarkFilter1M(b *testing.B) {
	var l list
	l.unsorted()
	l.set(manyKeys(1_000_000))
	b.ReportAllocs()
	c0 := processCPU()
	for b.Loop() {
		l.filter("7", "")
		l.filter("", "7")
	}
	b.ReportMetric(float64(processCPU()-c0)/1e6/float64(b.N), "cpu-ms/op")
}
