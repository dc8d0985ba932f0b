package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day with no time or zone, as an admin picks it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t, time.UTC), nil
}

// Start is the first instant of the day in loc (midnight, or the first instant
// after a DST gap that swallows midnight).
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	// Where a DST gap swallows midnight (America/Santiago, America/Havana),
	// time.Date normalises to the hour before, which is on the previous day; the
	// day then begins where that zone period ends, at the transition.
	if DateOf(t, loc).Before(d) {
		if _, end := t.ZoneBounds(); !end.IsZero() {
			t = end
		}
	}
	return t
}

// AddDays moves by n calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// AddMonths moves by n calendar months, clamping to the month's last day
// (31 Jan + 1 month is 28 or 29 Feb, not 3 Mar).
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := d.Day
	if day > last {
		day = last
	}
	return Date{first.Year(), first.Month(), day}
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.compare(o) > 0 }

func (d Date) compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return d.Year - o.Year
	case d.Month != o.Month:
		return int(d.Month) - int(o.Month)
	}
	return d.Day - o.Day
}

// DaysSince counts calendar days from o to d.
func (d Date) DaysSince(o Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	b := time.Date(o.Year, o.Month, o.Day, 12, 0, 0, 0, time.UTC)
	return int(a.Sub(b).Round(24*time.Hour) / (24 * time.Hour))
}

// IsZero reports the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String is YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Human is "30 Jun 2027".
func (d Date) Human() string {
	return fmt.Sprintf("%d %s %d", d.Day, d.Month.String()[:3], d.Year)
}

// DefaultMaxLifetimeDays is how far ahead an expiration date may be by default.
const DefaultMaxLifetimeDays = 366

// ExpiryPolicy holds the workspace's rules for expiration dates.
type ExpiryPolicy struct {
	Location        *time.Location // the workspace time zone; nil means UTC
	MaxLifetimeDays int            // 0 means DefaultMaxLifetimeDays
}

func (p ExpiryPolicy) loc() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

func (p ExpiryPolicy) maxDays() int {
	if p.MaxLifetimeDays <= 0 {
		return DefaultMaxLifetimeDays
	}
	return p.MaxLifetimeDays
}

// Loc is the workspace time zone.
func (p ExpiryPolicy) Loc() *time.Location { return p.loc() }

// Today is the current day in the workspace zone.
func (p ExpiryPolicy) Today(now time.Time) Date { return DateOf(now, p.loc()) }

// Earliest and Latest bound the expiration dates allowed on the day of now.
func (p ExpiryPolicy) Earliest(now time.Time) Date { return p.Today(now).AddDays(1) }

// Latest is today plus the maximum lifetime.
func (p ExpiryPolicy) Latest(now time.Time) Date { return p.Today(now).AddDays(p.maxDays()) }

var relativeRE = regexp.MustCompile(`^\+(\d{1,4})([dwmy])$`)

// Parse reads an expiration date as an admin types it — YYYY-MM-DD or +7d, +4w,
// +3m, +1y (today plus that) — and checks it is allowed.
func (p ExpiryPolicy) Parse(input string, now time.Time) (Date, error) {
	s := strings.ToLower(strings.TrimSpace(input))
	if s == "" {
		return Date{}, Invalid("expires", "Expiration date is required: YYYY-MM-DD or +30d.")
	}
	var d Date
	if m := relativeRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		today := p.Today(now)
		switch m[2] {
		case "d":
			d = today.AddDays(n)
		case "w":
			d = today.AddDays(7 * n)
		case "m":
			d = today.AddMonths(n)
		case "y":
			d = today.AddMonths(12 * n)
		}
	} else {
		var err error
		if d, err = ParseDate(s); err != nil {
			return Date{}, Invalid("expires", "%s is not a date: use YYYY-MM-DD or a relative form like +30d, +4w, +3m, +1y.", Quote(input))
		}
	}
	return d, p.Check(d, now)
}

// Check enforces tomorrow ≤ d ≤ today + the maximum lifetime.
func (p ExpiryPolicy) Check(d Date, now time.Time) error {
	if lo := p.Earliest(now); d.Before(lo) {
		return Invalid("expires", "Expiration date must be tomorrow (%s) or later.", lo)
	}
	if hi := p.Latest(now); d.After(hi) {
		days := "days"
		if p.maxDays() == 1 {
			days = "day"
		}
		return Invalid("expires", "Expiration date can be at most %d %s ahead (%s).", p.maxDays(), days, hi)
	}
	return nil
}

// ExpiresAt is the instant a key picked to expire on d stops working: the start of
// d in the workspace zone. The day d itself is not included.
func (p ExpiryPolicy) ExpiresAt(d Date) time.Time { return d.Start(p.loc()) }

// ValidThrough is the last day on which a key expiring at t still works.
func (p ExpiryPolicy) ValidThrough(t time.Time) Date {
	return DateOf(t.Add(-time.Nanosecond), p.loc())
}

// ExpiryDate is the expiration date (first invalid day) of a key expiring at t, as
// the admin would pick it again in a form.
func (p ExpiryPolicy) ExpiryDate(t time.Time) Date { return p.ValidThrough(t).AddDays(1) }

// DaysLeft counts the calendar days, in the workspace zone, from today to the
// expiration date of a key expiring at t: "in 12 days" on every screen.
func (p ExpiryPolicy) DaysLeft(t, now time.Time) int {
	return p.ExpiryDate(t).DaysSince(p.Today(now))
}

// Lifetime is how many calendar days, in the workspace zone, a key was issued for:
// from the day it was created to its expiration date.
func (p ExpiryPolicy) Lifetime(k Key) int {
	return p.ExpiryDate(k.ExpiresAt).DaysSince(DateOf(k.CreatedAt, p.loc()))
}

// RotationExpiry is the expiration date a rotation of k picks when none is given:
// k's lifetime again from today, within the allowed range.
func (p ExpiryPolicy) RotationExpiry(k Key, now time.Time) Date {
	d := p.Today(now).AddDays(p.Lifetime(k))
	if lo := p.Earliest(now); d.Before(lo) {
		d = lo
	}
	if hi := p.Latest(now); d.After(hi) {
		d = hi
	}
	return d
}
