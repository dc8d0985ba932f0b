package apikeys

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
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
	var l list
	l.set(keys)
	if !slices.IsSortedFunc(l.all, func(a, b model.Key) int { return b.CreatedAt.Compare(a.CreatedAt) }) {
		t.Fatal("keys are not newest first")
	}
}

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
