package backend

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// AlertLateAfter is how far past its time an alert may go out and still count
// as on time; later ones carry "late": true and their dueAt (the server was down).
const AlertLateAfter = time.Hour

// AlertCatchUp is how far back a missed alert is still sent. Older ones are
// recorded as handled without a delivery: after a long outage, or the first
// start of a version with webhooks, nobody wants a flood about last month.
const AlertCatchUp = 7 * 24 * time.Hour

// alert is one scheduled alert a key is due for now.
type alert struct {
	name  string // "expiring:7", "expired", "grace_ending"
	hook  model.WebhookEvent
	due   time.Time
	days  int  // days left
	limit int  // the threshold
	fresh bool // to be sent (false: only recorded, superseded or too old)
	// changed: the key was made or changed after the alert's time (created with
	// 5 days left, edited into the window): sent at once, and not "late".
	changed bool
}

// AlertsReport says what one scheduler pass did.
type AlertsReport struct {
	Sent    int // alerts that went to the outbox (one per key and alert, whatever the endpoints)
	Late    int // of which late
	Skipped int // recorded without a delivery: superseded by a more urgent one, or too old
}

// RunAlerts is one pass of the expiry scheduler: every key due for an alert it
// hasn't had gets it, in one transaction that claims each (key, alert) row and
// enqueues the deliveries. Passes on several instances, or again after a
// restart, find the rows claimed and send nothing twice; a pass after downtime
// sends what came due meanwhile, marked late.
func (b *Backend) RunAlerts(ctx context.Context) (AlertsReport, error) {
	now := b.Now()
	from, to := alertWindow(now)
	keys, err := b.store.KeysExpiringIn(ctx, from, to)
	if err != nil {
		return AlertsReport{}, err
	}
	marks, err := b.store.AlertsSent(ctx)
	if err != nil {
		return AlertsReport{}, err
	}
	done := make(map[[2]string]bool, len(marks))
	for _, m := range marks {
		done[[2]string{m.KeyID, m.Alert}] = true
	}
	type due struct {
		key    model.Key
		alerts []alert
	}
	var todo []due
	for _, k := range keys {
		var as []alert
		for _, a := range b.alertsDue(k, now) {
			if !done[[2]string{k.ID, a.name}] {
				as = append(as, a)
			}
		}
		if len(as) > 0 {
			todo = append(todo, due{k, as})
		}
	}
	var rep AlertsReport
	if len(todo) == 0 {
		return rep, nil
	}
	err = b.store.Update(ctx, func(tx store.Tx) error {
		rep = AlertsReport{}
		eps, err := tx.WebhookEndpoints(ctx)
		if err != nil {
			return err
		}
		for _, t := range todo {
			for _, a := range t.alerts {
				won, err := tx.ClaimAlert(ctx, t.key.ID, a.name, now)
				if err != nil {
					return err
				}
				if !won {
					continue
				}
				if !a.fresh {
					rep.Skipped++
					continue
				}
				late := now.Sub(a.due) > AlertLateAfter && !a.changed
				rep.Sent++
				if late {
					rep.Late++
				}
				var want []model.WebhookEndpoint
				for _, ep := range eps {
					if ep.Enabled && ep.Wants(a.hook) {
						want = append(want, ep)
					}
				}
				if len(want) == 0 {
					continue
				}
				msg := model.WebhookMessage{Type: a.hook, Timestamp: now, Data: b.alertData(t.key, a, late)}
				if err := enqueue(ctx, tx, want, msg, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return rep, err
}

// alertWindow bounds the expiries of the keys a pass reads, from the expiry
// index. Every alert is due at or before its key's expiry and at most the
// farthest of model.ExpiryAlertDays before the start of its last valid day
// (two days more cover the zone and the day itself, as in ExpiringCount); one
// is sent only up to AlertCatchUp after it was due. So a key expiring outside
// the window has no alert to send; one that expired long before is no longer
// recorded as handled, which changes no alert it could still get. Reading every
// key instead cost a full reload of the SQLite store's key list each minute,
// as each usage fold moves every key's last use: BenchmarkRunAlertsAfterFold100k
// 0.62–0.63 s, 138 MB and 3.3 million allocations a pass, against
// 0.16–0.22 s, 53 MB and 0.77 million with the window (expiries spread over
// 90 days).
func alertWindow(now time.Time) (from, to time.Time) {
	return now.Add(-AlertCatchUp - 24*time.Hour), now.AddDate(0, 0, slices.Max(model.ExpiryAlertDays)+2)
}

// alertsDue lists the alerts k is due for at now, sent or not. Of several
// expiry alerts due at once (a key made with 5 days left gets the 7-day one at
// once, not the 14-day one too; an outage) only the most urgent is fresh.
func (b *Backend) alertsDue(k model.Key, now time.Time) []alert {
	if k.DeletedAt != nil {
		return nil
	}
	loc := b.policy.Loc()
	var out []alert
	if k.ReplacedBy != "" {
		// A rotated-out key gets no expiry alerts: it ends with its grace.
		at := k.ExpiresAt.Add(-model.GraceAlertBefore)
		if !now.Before(at) && now.Before(k.ExpiresAt) && !at.Before(k.UpdatedAt) {
			out = append(out, alert{name: "grace_ending", hook: model.HookKeyGraceEnding, due: at, fresh: true})
		}
		return fresh(out, now)
	}
	if !now.Before(k.ExpiresAt) {
		out = append(out, alert{name: "expired", hook: model.HookKeyExpired, due: k.ExpiresAt, fresh: true})
	}
	last := b.policy.ValidThrough(k.ExpiresAt)
	today := b.policy.Today(now)
	for _, n := range model.ExpiryAlertDays { // most distant first
		at := last.AddDays(-n).Start(loc)
		if now.Before(at) {
			continue
		}
		out = append(out, alert{name: "expiring:" + strconv.Itoa(n), hook: model.HookKeyExpiring, due: at,
			days: last.DaysSince(today), limit: n, fresh: now.Before(k.ExpiresAt), changed: at.Before(k.UpdatedAt)})
	}
	return fresh(out, now)
}

// fresh keeps only the most urgent alert (the last one listed, or "expired") to
// send, and none older than AlertCatchUp.
func fresh(as []alert, now time.Time) []alert {
	best := -1
	for i, a := range as {
		if !a.fresh {
			continue
		}
		if best < 0 || a.hook == model.HookKeyExpired || (as[best].hook != model.HookKeyExpired && a.due.After(as[best].due)) {
			best = i
		}
	}
	for i := range as {
		as[i].fresh = i == best && now.Sub(as[i].due) <= AlertCatchUp
	}
	return as
}

func (b *Backend) alertData(k model.Key, a alert, late bool) model.HookKeyData {
	exp := k.ExpiresAt
	d := model.HookKeyData{
		KeyID: k.ID, Name: k.Name, Type: k.Type, Hint: k.Hint, ExpiresAt: &exp,
		ValidThrough: b.policy.ValidThrough(k.ExpiresAt).String(),
		Owner:        &model.HookPerson{ID: k.CreatedBy, Name: k.CreatedByName},
		NewKeyID:     k.ReplacedBy,
	}
	if a.hook == model.HookKeyExpiring {
		days := a.days
		d.DaysLeft, d.ThresholdDays = &days, a.limit
	}
	if late {
		due := a.due
		d.Late, d.DueAt = true, &due
	}
	return d
}

// ExpiringCount counts the live, not replaced keys that the member may manage and
// whose last valid day is within model.ExpiryBannerDays: the banner's number.
func (s *Session) ExpiringCount(ctx context.Context) (int, error) {
	me, err := s.actor(ctx, s.b.store)
	if err != nil {
		return 0, err
	}
	return s.b.ExpiringCount(ctx, me.AccountType)
}

// ExpiringCount counts the keys an account type may manage that expire within
// model.ExpiryBannerDays (their last valid day is at most that many days away).
func (b *Backend) ExpiringCount(ctx context.Context, a model.AccountType) (int, error) {
	if !model.Can(a, model.ActViewKeys, "") {
		return 0, nil
	}
	now := b.Now()
	horizon := b.policy.Today(now).AddDays(model.ExpiryBannerDays)
	// Only keys expiring before the day after the horizon can be valid
	// through it at most; the rule below decides, over those few.
	keys, err := b.store.KeysExpiringIn(ctx, now.Add(-time.Nanosecond), b.policy.ExpiresAt(horizon.AddDays(2)))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if k.State(now) == model.KeyActive && model.Can(a, model.ActManageKeys, k.Type) &&
			!b.policy.ValidThrough(k.ExpiresAt).After(horizon) {
			n++
		}
	}
	return n, nil
}

// ExpiryBanner is the banner line for a member: "3 keys expire within 7 days", or
// "" when none do (or on error: a banner never stands in the way of a session).
func (b *Backend) ExpiryBanner(ctx context.Context, memberID string) string {
	m, err := b.store.Member(ctx, memberID)
	if err != nil {
		return ""
	}
	n, err := b.ExpiringCount(ctx, m.AccountType)
	if err != nil {
		return ""
	}
	return model.ExpiryBanner(n)
}
