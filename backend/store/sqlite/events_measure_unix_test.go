//go:build unix

package sqlite_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMeasureEventFilters measures a first page (the TUI's 200 and one) of
// the audit log filtered by actor and by key, over APIKEYS_MEASURE_EVENTS
// events (e.g. 1000000): CPU time per query, min/median/max of 11, beside the
// way the TUI found them before (every page of the log read and filtered
// here). Skipped unless asked for: seeding a million events takes a minute.
//
//	APIKEYS_MEASURE_EVENTS=1000000 go test -run TestMeasureEventFilters -v ./backend/store/sqlite
func TestMeasureEventFilters(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("APIKEYS_MEASURE_EVENTS"))
	if n == 0 {
		t.Skip("set APIKEYS_MEASURE_EVENTS to the number of events to measure over")
	}
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	owner := model.Actor{Type: model.ActorMember, ID: "mem_owner", Name: "Olive Owner", Email: "olive@example.com"}
	// 10,000 keys take turns; the owner writes three events in five, 40
	// other members the rest; mem_rare and key_rare have 5 events each, spread
	// through the log.
	seedCPU := cpuNow()
	const batch = 50_000
	for from := 0; from < n; from += batch {
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			for i := from; i < min(from+batch, n); i++ {
				at := start.Add(time.Duration(i) * time.Second)
				actor := owner
				if i%5 >= 3 {
					actor = model.Actor{Type: model.ActorMember, ID: fmt.Sprintf("mem_%02d", i%40), Name: "Member"}
				}
				keyID := fmt.Sprintf("key_%05d", (i*7919)%10_000)
				if i%(n/5) == n/10 {
					actor.ID, keyID = "mem_rare", "key_rare"
				}
				payload, _ := json.Marshal(map[string]string{"keyId": keyID, "name": "Nightly import", "type": "import"})
				if err := tx.AppendEvent(t.Context(), model.AuditEvent{
					ID: fmt.Sprintf("evt_%016d", i), Type: model.EventApiKeyUpdated, EventTimestamp: at, IngestionTimestamp: at,
					Actor: actor, Source: model.SourceTUI, Payload: payload,
				}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded %d events: %.1f µs CPU per event", n, float64(cpuNow()-seedCPU)/float64(n)/1e3)

	for _, c := range []struct {
		name string
		q    store.EventQuery
		want int
	}{
		{"no filter", store.EventQuery{Limit: 201}, 201},
		{"the owner (60% of events)", store.EventQuery{Actor: "mem_owner", Limit: 201}, 201},
		{"a member (1% of events)", store.EventQuery{Actor: "mem_03", Limit: 201}, 201},
		{"a rare actor (5 events)", store.EventQuery{Actor: "mem_rare", Limit: 201}, 5},
		{"a key (n/10,000 events)", store.EventQuery{Key: "key_00001", Limit: 201}, min(201, n/10_000)},
		{"a rare key (5 events)", store.EventQuery{Key: "key_rare", Limit: 201}, 5},
		{"a key by a member", store.EventQuery{Key: "key_00001", Actor: "mem_03", Limit: 201}, -1},
	} {
		var cpu []time.Duration
		for range 11 {
			c0 := cpuNow()
			evs, err := s.Events(t.Context(), c.q)
			cpu = append(cpu, cpuNow()-c0)
			if err != nil {
				t.Fatal(err)
			}
			if c.want >= 0 && len(evs) != c.want {
				t.Fatalf("%s: %d events, want %d", c.name, len(evs), c.want)
			}
		}
		slices.Sort(cpu)
		t.Logf("%-28s CPU per first page: min %v  median %v  max %v", c.name, cpu[0], cpu[5], cpu[10])
	}

	// Before: the TUI read the log 200 events at a time and kept those of
	// the key, until it had a screen of them or the log ended.
	c0 := cpuNow()
	q, kept := store.EventQuery{Limit: 200}, 0
	for {
		evs, err := s.Events(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if slices.Contains(e.KeyIDs(), "key_rare") {
				kept++
			}
		}
		if len(evs) < q.Limit || kept >= 30 {
			break
		}
		last := evs[len(evs)-1]
		q.After = &store.Cursor{Ingestion: last.IngestionTimestamp, ID: last.ID}
	}
	t.Logf("before, the rare key found over the whole log in pages of 200: %v CPU (%d kept)", cpuNow()-c0, kept)
}
