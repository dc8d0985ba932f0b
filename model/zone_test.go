package model_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine that runs these tests

	"github.com/apikeys-dev/apikeys/model"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// TestTodayDependsOnZone: late evening UTC is already tomorrow in Tokyo and still
// yesterday in Los Angeles, so the same date is refused in one zone and accepted
// in another.
func TestTodayDependsOnZone(t *testing.T) {
	lateUTC := time.Date(2027, 3, 10, 20, 0, 0, 0, time.UTC) // 11 Mar 05:00 in Tokyo
	earlyUTC := time.Date(2027, 3, 10, 5, 0, 0, 0, time.UTC) // 9 Mar 21:00 in Los Angeles
	tokyo := model.ExpiryPolicy{Location: zone(t, "Asia/Tokyo")}
	la := model.ExpiryPolicy{Location: zone(t, "America/Los_Angeles")}
	utc := model.ExpiryPolicy{}

	tests := []struct {
		name   string
		p      model.ExpiryPolicy
		now    time.Time
		d      model.Date
		today  model.Date
		accept bool
	}{
		{"UTC: 11 Mar is tomorrow", utc, lateUTC, date(2027, 3, 11), date(2027, 3, 10), true},
		{"Tokyo: 11 Mar is today", tokyo, lateUTC, date(2027, 3, 11), date(2027, 3, 11), false},
		{"Tokyo: 12 Mar is tomorrow", tokyo, lateUTC, date(2027, 3, 12), date(2027, 3, 11), true},
		{"Tokyo: latest is 11 Mar + 366", tokyo, lateUTC, date(2028, 3, 11), date(2027, 3, 11), true},
		{"Tokyo: one past latest", tokyo, lateUTC, date(2028, 3, 12), date(2027, 3, 11), false},
		{"UTC: 10 Mar is today", utc, earlyUTC, date(2027, 3, 10), date(2027, 3, 10), false},
		{"Los Angeles: 10 Mar is tomorrow", la, earlyUTC, date(2027, 3, 10), date(2027, 3, 9), true},
		{"Los Angeles: 9 Mar is today", la, earlyUTC, date(2027, 3, 9), date(2027, 3, 9), false},
	}
	for _, tt := range tests {
		if got := tt.p.Today(tt.now); got != tt.today {
			t.Errorf("%s: Today = %s, want %s", tt.name, got, tt.today)
		}
		_, err := tt.p.Parse(tt.d.String(), tt.now)
		if (err == nil) != tt.accept {
			t.Errorf("%s: Parse(%s) err = %v, want accepted=%v", tt.name, tt.d, err, tt.accept)
		}
	}
	// "+1d" is relative to the zone's today.
	if d, err := tokyo.Parse("+1d", lateUTC); err != nil || d != date(2027, 3, 12) {
		t.Errorf("Tokyo +1d = %s, %v; want 2027-03-12", d, err)
	}
	if d, err := la.Parse("+1d", earlyUTC); err != nil || d != date(2027, 3, 10) {
		t.Errorf("Los Angeles +1d = %s, %v; want 2027-03-10", d, err)
	}
}

// TestExpiresAtInZones pins the instant a key stops working, written out by hand
// for each zone, including the DST change days and zones whose DST gap swallows
// midnight (there the day starts at 01:00).
func TestExpiresAtInZones(t *testing.T) {
	tests := []struct {
		zone    string
		d       model.Date
		wantUTC time.Time // the first instant of d in the zone
	}{
		{"UTC", date(2027, 6, 30), time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)},
		{"Asia/Tokyo", date(2027, 6, 30), time.Date(2027, 6, 29, 15, 0, 0, 0, time.UTC)},
		{"America/Los_Angeles", date(2027, 6, 30), time.Date(2027, 6, 30, 7, 0, 0, 0, time.UTC)},
		{"Asia/Kolkata", date(2027, 6, 30), time.Date(2027, 6, 29, 18, 30, 0, 0, time.UTC)},
		// New York springs forward at 02:00 on 14 Mar 2027: a 23-hour day.
		{"America/New_York", date(2027, 3, 14), time.Date(2027, 3, 14, 5, 0, 0, 0, time.UTC)},
		{"America/New_York", date(2027, 3, 15), time.Date(2027, 3, 15, 4, 0, 0, 0, time.UTC)},
		// …and falls back at 02:00 on 7 Nov 2027: a 25-hour day.
		{"America/New_York", date(2027, 11, 7), time.Date(2027, 11, 7, 4, 0, 0, 0, time.UTC)},
		{"America/New_York", date(2027, 11, 8), time.Date(2027, 11, 8, 5, 0, 0, 0, time.UTC)},
		// London: BST from 01:00 UTC on 28 Mar 2027 to 01:00 UTC on 31 Oct 2027.
		{"Europe/London", date(2027, 3, 28), time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC)},
		{"Europe/London", date(2027, 3, 29), time.Date(2027, 3, 28, 23, 0, 0, 0, time.UTC)},
		{"Europe/London", date(2027, 10, 31), time.Date(2027, 10, 30, 23, 0, 0, 0, time.UTC)},
		{"Europe/London", date(2027, 11, 1), time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC)},
		// Chile springs forward at 04:00 UTC on 5 Sep 2027, local midnight: 00:00
		// never happens and the day starts at 01:00 -03.
		{"America/Santiago", date(2027, 9, 4), time.Date(2027, 9, 4, 4, 0, 0, 0, time.UTC)},
		{"America/Santiago", date(2027, 9, 5), time.Date(2027, 9, 5, 4, 0, 0, 0, time.UTC)},
		{"America/Santiago", date(2027, 9, 6), time.Date(2027, 9, 6, 3, 0, 0, 0, time.UTC)},
		// Chile falls back at 03:00 UTC on 4 Apr 2027 (24:00 on the 3rd → 23:00).
		{"America/Santiago", date(2027, 4, 4), time.Date(2027, 4, 4, 4, 0, 0, 0, time.UTC)},
		// Cuba springs forward at 00:00 CST on 14 Mar 2027 (05:00 UTC).
		{"America/Havana", date(2027, 3, 14), time.Date(2027, 3, 14, 5, 0, 0, 0, time.UTC)},
		{"America/Havana", date(2027, 3, 15), time.Date(2027, 3, 15, 4, 0, 0, 0, time.UTC)},
		// Cuba falls back at 01:00 CDT on 7 Nov 2027: midnight happens once, in CDT.
		{"America/Havana", date(2027, 11, 7), time.Date(2027, 11, 7, 4, 0, 0, 0, time.UTC)},
		// Samoa skipped 30 Dec 2011 entirely: the first instant at or after it is
		// the start of 31 Dec.
		{"Pacific/Apia", date(2011, 12, 30), time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		p := model.ExpiryPolicy{Location: zone(t, tt.zone)}
		at := p.ExpiresAt(tt.d)
		if !at.Equal(tt.wantUTC) {
			t.Errorf("%s: ExpiresAt(%s) = %s (%s), want %s", tt.zone, tt.d, at.UTC(), at, tt.wantUTC)
		}
		if got := p.ValidThrough(at); got != tt.d.AddDays(-1) {
			t.Errorf("%s: ValidThrough(ExpiresAt(%s)) = %s, want %s", tt.zone, tt.d, got, tt.d.AddDays(-1))
		}
		// The last valid instant is still on D−1; the first invalid one is not.
		if got := model.DateOf(at.Add(-time.Nanosecond), p.Loc()); got != tt.d.AddDays(-1) {
			t.Errorf("%s: last valid instant falls on %s, want %s", tt.zone, got, tt.d.AddDays(-1))
		}
		k := model.Key{ExpiresAt: at}
		if k.State(at.Add(-time.Nanosecond)) != model.KeyActive || k.State(at) != model.KeyExpired {
			t.Errorf("%s: key expiring %s: state flips at the wrong instant", tt.zone, tt.d)
		}
	}
}

// TestStartIsFirstInstantEveryDay walks every day of 2027–2028 in zones with
// awkward rules and checks that ExpiresAt(D) is exactly the first instant of D,
// so ValidThrough(ExpiresAt(D)) is D−1 and ExpiryDate round-trips to D.
func TestStartIsFirstInstantEveryDay(t *testing.T) {
	zones := []string{
		"UTC", "Asia/Tokyo", "America/Los_Angeles", "America/New_York", "Europe/London",
		"America/Santiago", "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham",
		"Asia/Kolkata", "Asia/Tehran", "Africa/Casablanca", "America/St_Johns", "Pacific/Kiritimati",
	}
	for _, name := range zones {
		p := model.ExpiryPolicy{Location: zone(t, name)}
		for d := date(2027, 1, 1); d.Before(date(2029, 1, 1)); d = d.AddDays(1) {
			at := p.ExpiresAt(d)
			if got := model.DateOf(at, p.Loc()); got != d {
				t.Errorf("%s: ExpiresAt(%s) = %s, which is on %s", name, d, at, got)
			}
			if got := model.DateOf(at.Add(-time.Nanosecond), p.Loc()); got != d.AddDays(-1) {
				t.Errorf("%s: ExpiresAt(%s) = %s is not the first instant of the day (1ns earlier is %s)", name, d, at, got)
			}
			if got := p.ValidThrough(at); got != d.AddDays(-1) {
				t.Errorf("%s: ValidThrough(ExpiresAt(%s)) = %s", name, d, got)
			}
			if got := p.ExpiryDate(at); got != d {
				t.Errorf("%s: ExpiryDate(ExpiresAt(%s)) = %s", name, d, got)
			}
		}
	}
}

// TestDSTDayBounds: on a DST change day "now" late in the day still has the right
// today, and tomorrow is accepted.
func TestDSTDayBounds(t *testing.T) {
	ny := model.ExpiryPolicy{Location: zone(t, "America/New_York")}
	for _, tt := range []struct {
		now   time.Time
		today model.Date
	}{
		{time.Date(2027, 3, 15, 3, 59, 0, 0, time.UTC), date(2027, 3, 14)}, // 23:59 EDT
		{time.Date(2027, 11, 8, 4, 59, 0, 0, time.UTC), date(2027, 11, 7)}, // 23:59 EST
	} {
		now, today := tt.now, ny.Today(tt.now)
		if today != tt.today {
			t.Errorf("Today(%s) = %s, want %s", now, today, tt.today)
		}
		if _, err := ny.Parse(today.String(), now); err == nil {
			t.Errorf("today (%s) accepted at %s", today, now)
		}
		if _, err := ny.Parse(today.AddDays(1).String(), now); err != nil {
			t.Errorf("tomorrow refused at %s: %v", now, err)
		}
	}
	santiago := model.ExpiryPolicy{Location: zone(t, "America/Santiago")}
	// 4 Sep 2027 23:30 -04, half an hour before the gap.
	late := time.Date(2027, 9, 5, 3, 30, 0, 0, time.UTC)
	if got := santiago.Today(late); got != date(2027, 9, 4) {
		t.Fatalf("Santiago Today = %s", got)
	}
	d, err := santiago.Parse("+1d", late)
	if err != nil || d != date(2027, 9, 5) {
		t.Fatalf("Santiago +1d = %s, %v", d, err)
	}
	if vt := santiago.ValidThrough(santiago.ExpiresAt(d)); vt != date(2027, 9, 4) {
		t.Errorf("Santiago: a key picked for %s is valid through %s, want 2027-09-04", d, vt)
	}
	// The key works through the rest of the 4th (until 01:00 -03 on the 5th, the
	// same instant as 00:00 -04) and not an hour less.
	k := model.Key{ExpiresAt: santiago.ExpiresAt(d)}
	if !k.Valid(time.Date(2027, 9, 5, 3, 59, 59, 0, time.UTC)) {
		t.Error("Santiago: the key stopped working before the 4th was over")
	}
}
