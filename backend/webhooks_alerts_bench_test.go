package backend_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// BenchmarkRunAlertsAfterFold100k is serve's once-a-minute alerts pass over
// 100,000 keys, their expiries spread over 90 days, right after a usage fold
// moved every key's last use (so nothing the store holds in memory is current).
func BenchmarkRunAlertsAfterFold100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "apikeys.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Date(2027, 3, 11, 12, 0, 0, 0, time.UTC)
	be := backend.New(backend.Config{Store: st, Clock: func() time.Time { return now }})
	owner, _, err := be.Bootstrap(ctx, "Bench", "Owner", "owner@example.com", nil)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	err = st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			s, _ := model.NewSecret(model.KeyImport)
			ids[i] = fmt.Sprintf("key_%06d", i)
			k := model.Key{ID: ids[i], Name: "nightly import", Type: model.KeyImport,
				Hint: s.Hint(), Hash: s.Hash(), CreatedAt: now, CreatedBy: owner.ID,
				ExpiresAt: now.Add(time.Duration(i) * (90 * 24 * time.Hour / n)).Add(time.Hour), UpdatedAt: now, UpdatedBy: owner.ID, Version: 1}
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if rep, err := be.RunAlerts(ctx); err != nil || rep.Sent == 0 { // the alerts due now, claimed once
		b.Fatalf("the first pass: %+v, %v", rep, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		var ub store.UsageBatch
		for _, id := range ids {
			ub.Uses = append(ub.Uses, store.KeyUse{ID: id, At: now.Add(time.Duration(i+1) * 2 * time.Minute), Addr: "192.0.2.1"})
		}
		if err := st.AppendUsage(ctx, ub); err != nil {
			b.Fatal(err)
		}
		if _, err := st.CompactUsage(ctx, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if rep, err := be.RunAlerts(ctx); err != nil || rep != (backend.AlertsReport{}) {
			b.Fatalf("a pass at the same instant: %+v, %v; want nothing to do", rep, err)
		}
	}
}
