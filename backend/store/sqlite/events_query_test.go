package sqlite

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// A page after a token is bounded by the token's position, not by its
// listing's To: SQLite ranges over the index by the plain bound and only
// filters by the row value, so bounded by To a page read every event of the
// pages before it (BenchmarkEventPageDeep measures it).
func TestEventsQueryBoundsTheRangeAtTheToken(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	for _, c := range []struct {
		name      string
		q         store.EventQuery
		bound     string // the upper bound's condition
		boundedAt time.Time
	}{
		{"token inside the window", store.EventQuery{From: from, To: to, After: &store.Cursor{Ingestion: from.Add(time.Hour), ID: "evt_1"}},
			"ingestion_ts <= ?", from.Add(time.Hour)},
		{"token without a window", store.EventQuery{After: &store.Cursor{Ingestion: from.Add(time.Hour), ID: "evt_1"}},
			"ingestion_ts <= ?", from.Add(time.Hour)},
		{"token at the window's end", store.EventQuery{From: from, To: to, After: &store.Cursor{Ingestion: to, ID: "evt_1"}},
			"ingestion_ts < ?", to},
		{"no token", store.EventQuery{From: from, To: to}, "ingestion_ts < ?", to},
	} {
		t.Run(c.name, func(t *testing.T) {
			query, args := eventsQuery(c.q)
			conds := strings.Split(strings.Split(strings.Split(query, " WHERE ")[1], " ORDER BY ")[0], " AND ")
			i := slices.IndexFunc(conds, func(s string) bool { return strings.HasPrefix(s, "ingestion_ts <") })
			if i < 0 || conds[i] != c.bound {
				t.Fatalf("conditions %q: want the upper bound %q", conds, c.bound)
			}
			// Placeholders before it: From's, if any.
			arg := 0
			if !c.q.From.IsZero() {
				arg = 1
			}
			if args[arg] != micros(c.boundedAt) {
				t.Fatalf("the upper bound is %v, want %d (%v)", args[arg], micros(c.boundedAt), c.boundedAt)
			}
			if c.q.After != nil && !slices.Contains(conds, "(ingestion_ts, id) < (?, ?)") {
				t.Fatalf("conditions %q: the token's exact position is missing", conds)
			}
		})
	}
}
