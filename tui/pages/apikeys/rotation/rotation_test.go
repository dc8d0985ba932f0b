package rotation

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

var now = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)

func TestGraceEnd(t *testing.T) {
	tests := []struct {
		name    string
		expires time.Time
		grace   time.Duration
		want    time.Time
		capped  bool
	}{
		{"now", now.AddDate(0, 1, 0), 0, now, false},
		{"24h within a long life", now.AddDate(0, 1, 0), 24 * time.Hour, now.Add(24 * time.Hour), false},
		{"7d past a key expiring in 3 days", now.Add(62 * time.Hour), 7 * 24 * time.Hour, now.Add(62 * time.Hour), true},
		{"1h before a key expiring in 3 days", now.Add(62 * time.Hour), time.Hour, now.Add(time.Hour), false},
		{"exactly at expiry is not capped", now.Add(24 * time.Hour), 24 * time.Hour, now.Add(24 * time.Hour), false},
		{"expired key keeps its expiry", now.Add(-time.Hour), 24 * time.Hour, now.Add(-time.Hour), true},
	}
	for _, tt := range tests {
		end, capped := graceEnd(model.Key{ExpiresAt: tt.expires}, now, tt.grace)
		if !end.Equal(tt.want) || capped != tt.capped {
			t.Errorf("%s: graceEnd = %s capped %v, want %s capped %v", tt.name, end, capped, tt.want, tt.capped)
		}
	}
}

// Each grace option shows when the old key stops, and says so when the key's
// own expiry comes first.
func TestGraceOptionsSayWhenCapped(t *testing.T) {
	soon := model.Key{ExpiresAt: time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)}
	far := model.Key{ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	label := func(keys []model.Key, g time.Duration) string {
		for _, o := range graceOptions(keys, now, time.UTC) {
			if o.Value == g {
				return o.Key
			}
		}
		return ""
	}
	tests := []struct {
		keys  []model.Key
		grace time.Duration
		want  string
	}{
		{[]model.Key{soon}, 0, "Now      the old key stops at once"},
		{[]model.Key{soon}, time.Hour, "1 hour   until 1 Jul 2026 11:00 UTC"},
		{[]model.Key{soon}, 24 * time.Hour, "24 hours until 2 Jul 2026 10:00 UTC"},
		{[]model.Key{soon}, 7 * 24 * time.Hour, "7 days   until 4 Jul 2026 00:00 UTC (capped at its expiry)"},
		{[]model.Key{far}, 30 * 24 * time.Hour, "30 days  until 31 Jul 2026 10:00 UTC"},
		{[]model.Key{soon, far}, 0, "Now      the old keys stop at once"},
		{[]model.Key{soon, far}, 24 * time.Hour, "24 hours until 2 Jul 2026 10:00 UTC"},
		{[]model.Key{soon, far}, 7 * 24 * time.Hour, "7 days   until 8 Jul 2026 10:00 UTC (1 capped at expiry)"},
	}
	for _, tt := range tests {
		if got := label(tt.keys, tt.grace); got != tt.want {
			t.Errorf("%d keys, grace %s: %q, want %q", len(tt.keys), tt.grace, got, tt.want)
		}
	}
}

// The TUI works out locally what the backend decides — which keys the
// expiring-soon view keeps, a rotation's default expiry and when the old key
// stops — to show it before the admin confirms. This holds it to the real
// backend's answers, in a zone where the workspace day differs from UTC.
func TestRulesMatchTheBackend(t *testing.T) {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	ctx := context.Background()
	clock := time.Date(2026, 7, 1, 13, 30, 0, 0, time.UTC) // 2 Jul 01:30 in Auckland
	pol := model.ExpiryPolicy{Location: loc, MaxLifetimeDays: 90}
	ws := testkit.NewWorkspace(t, testkit.Options{Policy: pol})
	ws.Clock.Set(clock)
	be, st, owner := ws.Backend, ws.Store, ws.Owner
	sess := ws.Session(owner.ID)

	day := func(days int) time.Time { return pol.ExpiresAt(pol.Today(clock).AddDays(days)) }
	var keys []model.Key
	add := func(id string, created, expires time.Time, replacedBy string) {
		keys = append(keys, model.Key{ID: id, Name: id, Type: model.KeyImport, Hint: "apk_imp_x…y", Hash: model.HashSecret(id),
			CreatedAt: created, CreatedBy: owner.ID, ExpiresAt: expires, ReplacedBy: replacedBy, UpdatedAt: created, UpdatedBy: owner.ID, Version: 1})
	}
	for _, d := range []int{1, 2, 13, 14, 15, 16, 30, 89} {
		add(fmt.Sprintf("key_d%02d", d), clock.AddDate(0, 0, -20), day(d), "")
	}
	add("key_hour", clock.AddDate(0, -1, 0), clock.Add(time.Hour), "")
	add("key_expired", clock.AddDate(0, -2, 0), clock.Add(-time.Hour), "")
	add("key_grace", clock.AddDate(0, -1, 0), clock.Add(5*time.Hour), "key_d01")
	add("key_lapsed", clock.AddDate(0, -1, 0), clock.Add(-5*time.Hour), "key_d01")
	add("key_long", clock.AddDate(-1, 0, 0), day(3), "") // lifetime over the maximum
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	soon, err := sess.ListKeys(ctx, backend.KeyFilter{ExpiringWithin: model.ExpiringSoon})
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, k := range soon {
		want = append(want, k.ID)
	}
	for _, k := range keys {
		if pol.ExpiresWithin(k, clock, model.ExpiringSoon) {
			got = append(got, k.ID)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("expiring soon: the TUI keeps %v, the backend %v", got, want)
	}

	for _, k := range keys {
		if k.State(clock) == model.KeyReplaced || k.ReplacedBy != "" {
			continue
		}
		local, _ := defaultExpiry(k, clock, pol)
		if be := be.DefaultRotationExpiry(k); local != be {
			t.Errorf("%s: default expiry %s here, %s in the backend", k.ID, local, be)
		}
	}

	k := keys[1] // two days left
	wantEnd, _ := graceEnd(k, clock, 7*24*time.Hour)
	rot, err := sess.RotateKey(ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !rot.Old.ExpiresAt.Equal(wantEnd) {
		t.Errorf("grace end: %s here, %s in the backend", wantEnd, rot.Old.ExpiresAt)
	}
	if d, _ := defaultExpiry(k, clock, pol); !pol.ExpiresAt(d).Equal(rot.New.ExpiresAt) {
		t.Errorf("new key expires %s in the backend, %s here", rot.New.ExpiresAt, pol.ExpiresAt(d))
	}
}
