package model_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// history is one key's life for the hygiene test: when it was made, replaced
// and deleted, its uses, its owner's deactivation, its own lists.
type history struct {
	key         model.Key
	uses        []time.Time // ascending
	replacedAt  time.Time   // zero: never
	deletedAt   time.Time   // zero: never
	ownerGoneAt time.Time   // zero: stays active
	lists       int
}

// TestHygieneMatchesAReferenceOver120Days drives model.Hygiene with a clock
// that moves a day (and a few hours) at a time over 120 days, for 1,000 keys of
// mixed histories, and compares every answer with a straightforward reference
// computation written here from SPEC §12's words.
func TestHygieneMatchesAReferenceOver120Days(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	p := model.ExpiryPolicy{Location: loc}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, loc).UTC()
	r := rand.New(rand.NewPCG(17, 12))
	day := 24 * time.Hour
	hs := make([]history, 1000)
	for i := range hs {
		created := start.Add(time.Duration(r.IntN(100*24)) * time.Hour)
		life := p.ExpiresAt(model.DateOf(created, loc).AddDays(1 + r.IntN(200)))
		h := history{key: model.Key{ID: fmt.Sprintf("key_%04d", i), CreatedAt: created, ExpiresAt: life}, lists: r.IntN(3) - 1}
		if h.lists < 0 {
			h.lists = 0
		}
		// Uses: none, a burst early on, or spread out.
		switch r.IntN(3) {
		case 1:
			at := created.Add(time.Duration(r.IntN(72)) * time.Hour)
			for range 1 + r.IntN(5) {
				h.uses = append(h.uses, at)
				at = at.Add(time.Duration(r.IntN(60)) * time.Minute)
			}
		case 2:
			for at := created.Add(time.Hour); at.Before(start.Add(130 * day)); at = at.Add(time.Duration(1+r.IntN(40*24)) * time.Hour) {
				h.uses = append(h.uses, at)
			}
		}
		if r.IntN(5) == 0 { // rotated with a grace of up to 30 days
			h.replacedAt = created.Add(time.Duration(r.IntN(60*24)) * time.Hour)
			if grace := h.replacedAt.Add(time.Duration(r.IntN(30*24)) * time.Hour); grace.Before(h.key.ExpiresAt) {
				h.key.ExpiresAt = grace
			}
			// Called just before and just after the rotation: the use after
			// it is within the minute of the last use written, so only the
			// day's count sees it.
			if r.IntN(3) == 0 {
				h.uses = append(h.uses, h.replacedAt.Add(-30*time.Second), h.replacedAt.Add(10*time.Second))
				slices.SortFunc(h.uses, time.Time.Compare)
			}
		}
		if r.IntN(10) == 0 {
			h.deletedAt = created.Add(time.Duration(r.IntN(90*24)) * time.Hour)
		}
		if r.IntN(8) == 0 {
			h.ownerGoneAt = start.Add(time.Duration(r.IntN(120*24)) * time.Hour)
		}
		hs[i] = h
	}
	checked := map[model.HygieneBucket]int{}
	for d := range 120 {
		now := start.Add(time.Duration(d)*day + time.Duration(d%5)*5*time.Hour)
		withDefault := d%3 == 0
		for _, h := range hs {
			if h.key.CreatedAt.After(now) {
				continue
			}
			k := h.key
			k.LastUsedAt = lastWritten(h.uses, now)
			var since int64 // uses counted on or after the day of the rotation
			for _, u := range h.uses {
				if !u.After(now) && !h.replacedAt.IsZero() && model.ReplacedDay(u, loc) >= model.ReplacedDay(h.replacedAt, loc) {
					since++
				}
			}
			if !h.replacedAt.IsZero() && !h.replacedAt.After(now) {
				k.ReplacedBy = "key_next"
			}
			if !h.deletedAt.IsZero() && !h.deletedAt.After(now) {
				dt := h.deletedAt
				k.DeletedAt = &dt
			}
			ownerActive := h.ownerGoneAt.IsZero() || h.ownerGoneAt.After(now)
			got := model.Hygiene(k, model.HygieneFacts{Now: now, Policy: p, OwnerActive: ownerActive,
				OwnAllowLists: h.lists, DefaultList: withDefault, ReplacedAt: h.replacedAt, UsesSinceReplaced: since})
			want := reference(h, k, now, loc, ownerActive, withDefault)
			if !slices.Equal(got, want) {
				t.Fatalf("day %d, %s (%+v): Hygiene = %v, reference %v", d, k.ID, h, got, want)
			}
			for _, b := range got {
				checked[b]++
			}
		}
	}
	for _, b := range model.HygieneBuckets {
		if checked[b] == 0 {
			t.Errorf("no key was ever in %s: the histories don't exercise it", b)
		}
	}
	t.Logf("bucket answers compared: %v", checked)
}

// lastWritten is the last use a key's row holds at now: a use is written when
// it comes a minute or more after the last one written (the usage recorder's
// rule), so one a few seconds after another leaves no trace there.
func lastWritten(uses []time.Time, now time.Time) *time.Time {
	var last *time.Time
	for _, u := range uses {
		if u.After(now) {
			break
		}
		if last == nil || u.Sub(*last) >= time.Minute {
			u := u
			last = &u
		}
	}
	return last
}

// reference is SPEC §12 read literally, on the history rather than the key.
func reference(h history, k model.Key, now time.Time, loc *time.Location, ownerActive, withDefault bool) []model.HygieneBucket {
	deleted := !h.deletedAt.IsZero() && !h.deletedAt.After(now)
	if deleted || !now.Before(h.key.ExpiresAt) {
		return nil
	}
	replaced := !h.replacedAt.IsZero() && !h.replacedAt.After(now)
	// Idle and never used go by the last use the key's row holds.
	var last time.Time
	if l := lastWritten(h.uses, now); l != nil {
		last = *l
	}
	// Still called during its grace: any use, as it happened, on or after
	// the day it was replaced (counts are per workspace day).
	usedSince := false
	for _, u := range h.uses {
		if !u.After(now) && replaced && !dayOf(u, loc).Before(dayOf(h.replacedAt, loc)) {
			usedSince = true
		}
	}
	var out []model.HygieneBucket
	if last.IsZero() && now.Sub(h.key.CreatedAt) > 7*24*time.Hour {
		out = append(out, model.BucketNeverUsed)
	}
	if !last.IsZero() && now.Sub(last) >= 90*24*time.Hour {
		out = append(out, model.BucketIdle)
	}
	if !ownerActive {
		out = append(out, model.BucketOwnerDeactivated)
	}
	if !replaced {
		// Its last valid day (the day before the expiration date) is no
		// later than 14 calendar days after today, in the workspace zone.
		lastDay := h.key.ExpiresAt.Add(-time.Nanosecond).In(loc)
		y, m, d := now.In(loc).Date()
		horizon := time.Date(y, m, d+14, 0, 0, 0, 0, time.UTC)
		ly, lm, ld := lastDay.Date()
		if !time.Date(ly, lm, ld, 0, 0, 0, 0, time.UTC).After(horizon) {
			out = append(out, model.BucketExpiring)
		}
	}
	if h.lists == 0 && !withDefault {
		out = append(out, model.BucketNoAllowList)
	}
	if replaced && usedSince {
		out = append(out, model.BucketReplacedInUse)
	}
	return out
}

// dayOf is t's calendar day in loc, as midnight UTC.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestUsedSinceReplaced(t *testing.T) {
	at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	ptr := func(t time.Time) *time.Time { return &t }
	cases := []struct {
		name  string
		last  *time.Time
		since int64
		want  bool
	}{
		{"never used", nil, 0, false},
		{"last used before, nothing counted since the day", ptr(at.Add(-time.Hour)), 0, false},
		{"last used after", ptr(at.Add(time.Hour)), 0, true},
		{"last used at the instant", ptr(at), 0, true},
		// The once-a-minute last use left it 30 s before; the count saw
		// the use 10 s after.
		{"last used before, uses counted since the day", ptr(at.Add(-30 * time.Second)), 1, true},
	}
	for _, c := range cases {
		k := model.Key{LastUsedAt: c.last}
		if got := model.UsedSinceReplaced(k, model.HygieneFacts{ReplacedAt: at, UsesSinceReplaced: c.since}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
