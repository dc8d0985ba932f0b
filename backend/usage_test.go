package backend_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// seedKeys inserts n import keys owned by the workspace owner in one
// transaction and returns their secrets by id.
func seedKeys(t testing.TB, ws *testkit.Workspace, n int) (ids []string, secrets map[string]model.Secret) {
	t.Helper()
	ctx := context.Background()
	now := ws.Backend.Now()
	exp := ws.Backend.Policy().ExpiresAt(ws.Backend.Policy().Today(now).AddDays(90))
	secrets = map[string]model.Secret{}
	err := ws.Store.Update(ctx, func(tx store.Tx) error {
		for range n {
			s, _ := model.NewSecret(model.KeyImport)
			k := model.Key{ID: model.NewID("key"), Name: "nightly import", Type: model.KeyImport,
				Hint: s.Hint(), Hash: s.Hash(), CreatedAt: now, CreatedBy: ws.Owner.ID, OwnerID: ws.Owner.ID,
				ExpiresAt: exp, UpdatedAt: now, UpdatedBy: ws.Owner.ID, Version: 1}
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
			ids = append(ids, k.ID)
			secrets[k.ID] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, secrets
}

// TestUsageCountsExactUnderLoad: 100,000 checks over 1,000 keys from 16
// goroutines, uses and refusals (wrong type) mixed, with the recorder's own
// drains running meanwhile; after a flush the per-key counts are exact and
// sum to 100,000.
func TestUsageCountsExactUnderLoad(t *testing.T) {
	ws := testkit.NewWorkspace(t, testkit.Options{})
	ctx := context.Background()
	ids, secrets := seedKeys(t, ws, 1000)
	b := ws.Backend
	if err := b.PrepareChecks(ctx); err != nil {
		t.Fatal(err)
	}
	const workers, total = 16, 100_000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += workers {
				id := ids[i%len(ids)]
				want := model.KeyImport
				if i%10 == 3 { // a tenth refused as the wrong type
					want = model.KeyExport
				}
				addr := fmt.Sprintf("198.51.100.%d", i%7)
				if _, err := b.Verify(ctx, secrets[id].Reveal(), want, addr); err != nil {
					t.Error(err)
					return
				}
				if i%5000 == 0 {
					_ = b.Flush(ctx) // drains racing the checks
				}
			}
		}()
	}
	wg.Wait()
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := b.SessionFor(ctx, ws.Owner.ID, model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	totals, err := s.UsageTotals(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var uses, refused int64
	for i, id := range ids {
		// Key i is checked by the i, i+1000, … of the loop: 100 checks, of
		// which those with index%10 == 3 are refused.
		var wantUses, wantRefused int64
		for j := i; j < total; j += len(ids) {
			if j%10 == 3 {
				wantRefused++
			} else {
				wantUses++
			}
		}
		got := totals[id]
		if got.Uses != wantUses || got.Refused != wantRefused {
			t.Errorf("key %d: %+v, want %d uses, %d refused", i, got, wantUses, wantRefused)
		}
		uses += got.Uses
		refused += got.Refused
	}
	if uses+refused != total {
		t.Fatalf("counted %d uses + %d refusals, want %d in all", uses, refused, total)
	}
}

// TestUsageCountsRefusalsOfKnownKeysOnly: an unknown or malformed key has no
// key to count against; a known key's refusals count under their reason.
func TestUsageCountsRefusalsOfKnownKeysOnly(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("Sync", model.KeyImport)
	other, _ := model.NewSecret(model.KeyImport)
	for _, p := range []string{"", "apk_imp_nope", other.Reveal()} {
		if _, err := e.b.Verify(e.ctx, p, model.KeyImport, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		e.verifyFrom(sec, "198.51.100.1")
	}
	if _, err := e.b.Verify(e.ctx, sec.Reveal(), model.KeyExport, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	days, err := e.as(model.SecurityAdmin).KeyUsage(e.ctx, k.ID, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 7 {
		t.Fatalf("got %d days, want 7", len(days))
	}
	today := days[6]
	if today.Day != e.days(0).String() || today.Uses != 3 || today.Refused[backend.ReasonWrongType] != 1 || today.RefusedTotal() != 1 {
		t.Fatalf("today = %+v, want 3 uses and 1 wrong_type", today)
	}
	if _, err := e.as(model.Builder).KeyUsage(e.ctx, k.ID, 7); model.KindOf(err) != model.KindForbidden {
		t.Fatalf("a builder reading usage: %v, want forbidden", err)
	}
}
