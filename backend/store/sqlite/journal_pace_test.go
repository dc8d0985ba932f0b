package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// countingPacer counts its pauses; the first one, if entered is set, says so
// and waits for release.
type countingPacer struct {
	n                int
	entered, release chan struct{}
}

func (p *countingPacer) Pause(context.Context) {
	p.n++
	if p.n == 1 && p.entered != nil {
		close(p.entered)
		<-p.release
	}
}

// A paced compaction holds the writer connection while it pauses. Once a
// write waits for that connection, the compaction finishes unpaced: pacing
// must never make an admin's change wait longer than the fold itself would.
func TestCompactUsageStopsPausingOnceAWriteWaits(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	seed(t, s, 10)
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	appendMinute := func() {
		t.Helper()
		for r := range 3 {
			var b store.UsageBatch
			for i := range 10 {
				id := fmt.Sprintf("key_%06d", i)
				b.Uses = append(b.Uses, store.KeyUse{ID: id, At: at.Add(time.Duration(r) * time.Second), Addr: fmt.Sprintf("192.0.2.%d", r+1)})
				b.Counts = append(b.Counts, store.UsageCount{KeyID: id, Day: "2026-06-01", N: 1})
			}
			if err := s.AppendUsage(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		at = at.Add(2 * time.Minute)
	}

	// Unhindered, the fold pauses between the rows and the statements.
	appendMinute()
	var free countingPacer
	if n, err := s.CompactUsage(ctx, &free); err != nil || n != 3 {
		t.Fatalf("CompactUsage: %d rows, %v", n, err)
	}
	if free.n < 3+10 {
		t.Fatalf("an unhindered fold of 3 rows over 10 keys paused %d times; want one a row and one a statement", free.n)
	}

	// Held in its first pause, a write comes to wait for the writer.
	appendMinute()
	held := &countingPacer{entered: make(chan struct{}), release: make(chan struct{})}
	folded := make(chan error, 1)
	go func() {
		_, err := s.CompactUsage(ctx, held)
		folded <- err
	}()
	<-held.entered
	waits := sqlite.WriterWaits(s)
	wrote := make(chan error, 1)
	go func() {
		wrote <- s.Update(ctx, func(tx store.Tx) error {
			return tx.InsertMember(ctx, model.Member{ID: "mem_3", Name: "Cy", Email: "cy@example.com",
				AccountType: model.RegularMember, Status: model.StatusActive, CreatedAt: at, UpdatedAt: at})
		})
	}()
	for sqlite.WriterWaits(s) == waits {
		runtime.Gosched()
	}
	close(held.release)
	if err := <-folded; err != nil {
		t.Fatalf("CompactUsage: %v", err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("the waiting write: %v", err)
	}
	if held.n != 1 {
		t.Fatalf("the fold paused %d times; want none after a write came to wait", held.n)
	}
}
