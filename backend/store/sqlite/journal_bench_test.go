package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// BenchmarkCompactUsage100k folds a minute of the usage journal as `serve`
// appends it under load over 100,000 keys: 600 batches of 100 ms, in all
// every key used once from one address and checked nine times (counted in
// the batches of the checks). Reported per key folded.
func BenchmarkCompactUsage100k(b *testing.B) {
	const n, batches, checks = 100_000, 600, 9
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, n)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		at = at.Add(2 * time.Minute)
		next := uint64(0)
		rows := make([]store.UsageBatch, batches)
		for i := range n {
			r := &rows[i*batches/n]
			r.Uses = append(r.Uses, store.KeyUse{ID: fmt.Sprintf("key_%06d", i), At: at.Add(time.Duration(i) * time.Microsecond), Addr: "192.0.2.1"})
		}
		for range n * checks {
			next = next*6364136223846793005 + 1442695040888963407
			r := &rows[next>>20%batches]
			r.Counts = append(r.Counts, store.UsageCount{KeyID: fmt.Sprintf("key_%06d", next>>33%n), Day: "2026-06-01", N: 1})
		}
		for _, r := range rows {
			if err := s.AppendUsage(b.Context(), r); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		// serve folds under context.Background(): with a context that can
		// end, the driver starts a goroutine per statement to interrupt it,
		// about a seventh of the fold's CPU in a profile, which serve never spends.
		if got, err := s.CompactUsage(context.Background(), nil); err != nil || got != batches {
			b.Fatalf("CompactUsage: %d rows, %v", got, err)
		}
		b.StopTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/key")
}
