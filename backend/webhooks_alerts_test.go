package backend_test

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// TestAlertsThirtyDays drives the scheduler with an injected clock for 30 days
// over 1,000 keys, with two instances (two backends, two store handles on one
// file) passing at the same instants, some keys deleted and some rotated on the
// way, and a 2-day outage. Each alert a key is due is sent exactly once; none is
// sent for a key deleted or rotated out before its time; the ones due during
// the outage go out once, at the first pass after it, marked late; a key made
// with fewer than 14 days left gets the most urgent alert it is past at once.
func TestAlertsThirtyDays(t *testing.T) {
	if testing.Short() {
		t.Skip("30 simulated days over 1,000 keys")
	}
	e := newEnv(t, model.ExpiryPolicy{})
	// The run starts at midnight, passes run every 3 hours (so on time at every
	// midnight threshold), and changes are made right after a pass.
	day0 := time.Date(2027, 3, 11, 0, 0, 0, 0, time.UTC)
	e.clock.Set(day0)
	hook := e.addWebhook(model.HookKeyExpiring, model.HookKeyExpired, model.HookKeyGraceEnding)

	st2, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	second := backend.New(backend.Config{Store: st2, Clock: e.clock.Now, Logger: slog.New(slog.DiscardHandler)})

	owner := e.as(model.PrimaryOwner)
	const n = 1000
	keys := make([]model.Key, n)
	for i := range keys {
		k, _, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{
			Name: fmt.Sprintf("k%04d", i), Type: model.KeyImport, Expires: e.days(1 + i%40),
		})
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}

	const step = 3 * time.Hour
	outageFrom, outageTo := day0.AddDate(0, 0, 15), day0.AddDate(0, 0, 17) // passes skipped in (from, to)
	deleted := map[string]time.Time{}
	rotatedOut := map[string]time.Time{}
	var sent, late int
	for now := day0; !now.After(day0.AddDate(0, 0, 30)); now = now.Add(step) {
		e.clock.Set(now)
		if now.After(outageFrom) && now.Before(outageTo) {
			continue
		}
		// Both instances at once: each reads what was sent, then claims; the
		// claim row, not the read, is what keeps an alert from going out twice.
		var (
			wg   sync.WaitGroup
			reps [2]backend.AlertsReport
			errs [2]error
		)
		for i, b := range []*backend.Backend{e.b, second} {
			wg.Go(func() { reps[i], errs[i] = b.RunAlerts(e.ctx) })
		}
		wg.Wait()
		for i := range reps {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			sent += reps[i].Sent
			late += reps[i].Late
		}
		switch now {
		case day0.AddDate(0, 0, 3).Add(12 * time.Hour):
			for i := 0; i < n; i += 10 { // 100 keys deleted
				if keys[i].State(now) == model.KeyActive {
					if _, err := owner.DeleteKey(e.ctx, keys[i].ID, 0); err != nil {
						t.Fatal(err)
					}
					deleted[keys[i].ID] = now
				}
			}
		case day0.AddDate(0, 0, 5).Add(12 * time.Hour):
			for i := 5; i < n; i += 10 { // 100 keys rotated with 7 days of grace
				if keys[i].State(now) == model.KeyActive {
					if _, err := owner.RotateKey(e.ctx, keys[i].ID, backend.RotateKeyRequest{Grace: 7 * 24 * time.Hour}); err != nil {
						t.Fatal(err)
					}
					rotatedOut[keys[i].ID] = now
				}
			}
		}
	}
	end := day0.AddDate(0, 0, 30)
	// What should have gone out, worked out from the keys' final state.
	all, err := st2.Keys(e.ctx, store.KeyQuery{IncludeDeleted: true})
	if err != nil {
		t.Fatal(err)
	}
	pass := func(at time.Time) time.Time { // the first pass at or after at
		p := at.Truncate(step)
		if p.Before(at) {
			p = p.Add(step)
		}
		if p.After(outageFrom) && p.Before(outageTo) {
			p = outageTo
		}
		return p
	}
	type want struct {
		alert string
		late  bool
	}
	expected := map[string][]want{}
	for _, k := range all {
		gone := end.Add(time.Hour)
		if at, ok := deleted[k.ID]; ok {
			gone = at
		}
		out := end.Add(time.Hour)
		if at, ok := rotatedOut[k.ID]; ok {
			out = at
		}
		add := func(alert string, due time.Time) {
			p := pass(due)
			if p.After(end) || !p.Before(gone) {
				return
			}
			expected[k.ID] = append(expected[k.ID], want{alert, p.Sub(due) > time.Hour})
		}
		expiry := k.ExpiresAt
		if at, ok := rotatedOut[k.ID]; ok {
			// 7 days of grace: the alert is due 24 hours before the grace ends. The
			// key's expiry alerts were due by its original expiry, until it was
			// rotated; it never expires as itself.
			expiry = keys[indexOf(keys, k.ID)].ExpiresAt
			graceEnd := at.Add(7 * 24 * time.Hour)
			if expiry.Before(graceEnd) {
				graceEnd = expiry // a grace never outlasts the key
			}
			if due := graceEnd.Add(-24 * time.Hour); !due.Before(at) {
				add("key.grace_ending", due)
			}
		}
		// Each threshold goes out at the first pass at or after both its time and
		// the key's creation; of several going out at one pass only the most
		// urgent is sent (a key made with 8 days left gets the 7-day alert, not
		// the 14-day one too), and one whose time came before the key did is not
		// late.
		sentAt := map[time.Time]bool{}
		for _, d := range []int{1, 7, 14} { // most urgent first
			due := expiry.AddDate(0, 0, -1-d) // d days before the last valid day
			at := due
			if at.Before(k.CreatedAt) {
				at = k.CreatedAt
			}
			p := pass(at)
			if sentAt[p] || !p.Before(out) || !p.Before(expiry) || p.After(end) || !p.Before(gone) {
				continue
			}
			sentAt[p] = true
			expected[k.ID] = append(expected[k.ID], want{fmt.Sprintf("key.expiring:%d", d), !due.Before(k.CreatedAt) && p.Sub(due) > time.Hour})
		}
		if pass(expiry).Before(out) {
			add("key.expired", expiry)
		}
	}

	got := map[string][]want{}
	for _, d := range e.deliveries(hook.ID) {
		name := d.msg.Type
		if d.msg.Data.Threshold != 0 {
			name += fmt.Sprintf(":%d", d.msg.Data.Threshold)
		}
		got[d.msg.Data.KeyID] = append(got[d.msg.Data.KeyID], want{name, d.msg.Data.Late})
	}
	var wantTotal, wantLate int
	created := map[string]model.Key{}
	for _, k := range all {
		created[k.ID] = k
	}
	for id, w := range expected {
		sort.Slice(w, func(i, j int) bool { return w[i].alert < w[j].alert })
		g := got[id]
		sort.Slice(g, func(i, j int) bool { return g[i].alert < g[j].alert })
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("key %s (created %v, expires %v, from %s): got %v, want %v", id, created[id].CreatedAt, created[id].ExpiresAt, created[id].RotatedFrom, g, w)
		}
		wantTotal += len(w)
		for _, x := range w {
			if x.late {
				wantLate++
			}
		}
	}
	for id, g := range got {
		if _, ok := expected[id]; !ok {
			t.Errorf("key %s got %v, expected nothing", id, g)
		}
	}
	for id, at := range deleted {
		for _, g := range got[id] {
			if g.alert == "key.expired" || g.late {
				t.Errorf("deleted key %s (at %v) got %v", id, at, g)
			}
		}
	}
	if sent != wantTotal || late != wantLate || wantLate == 0 || wantTotal < 1000 {
		t.Errorf("sent %d (late %d), want %d (late %d)", sent, late, wantTotal, wantLate)
	}
	t.Logf("%d alerts for %d keys over 30 days, %d late after the outage", wantTotal, len(expected), wantLate)
}

func indexOf(keys []model.Key, id string) int {
	for i, k := range keys {
		if k.ID == id {
			return i
		}
	}
	return -1
}
