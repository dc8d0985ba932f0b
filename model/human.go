package model

import (
	"fmt"
	"time"
)

// How durations and instants read to people, the same in the TUI and the CLI.

// Ago is a past instant relative to now: "just now", "5m ago", "2h ago",
// "3d ago", and the date beyond a month. Nil is "never".
func Ago(t *time.Time, now time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return DateOf(*t, loc).Human()
}

// Span is a duration, compact like Ago: "45m", "23h", "6d" (so "replaced,
// expires in 29d" fits the TUI's Expires column).
func Span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// Days is a count of calendar days: "1 day", "5 days".
func Days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// When is an instant in the workspace zone, to the minute: "30 Jun 2027 14:05 UTC".
func When(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

// ValidUntil says how long a key that stops working at t is valid, in the
// workspace zone loc, in words that agree with the instant.
//
// A key stops at the start of the day picked for it, in the zone it was picked
// in (SPEC §2): where t is the start of a day in loc it reads "valid through
// 30 Jun 2027", the day before, valid to its end. Where it is not — the
// workspace zone changed after the date was picked, or a replaced key's grace
// ends at some hour — a last valid day would promise hours that are not there
// ("valid through 21 Dec 2026" for a key that stops at 09:00 that day), so it
// reads "valid until 21 Dec 2026 09:00 JST": the instant, as When writes it.
func ValidUntil(t time.Time, loc *time.Location) string {
	if d, ok := dayStart(t, loc); ok {
		return "valid through " + d.AddDays(-1).Human()
	}
	return "valid until " + When(t, loc)
}

// ValidUntilLong is ValidUntil for a key's details: where ValidUntil names
// only a day, it adds the instant the key stops, "valid through 30 Jun 2027
// (stops 1 Jul 2027 00:00 UTC)".
func ValidUntilLong(t time.Time, loc *time.Location) string {
	if _, ok := dayStart(t, loc); ok {
		return ValidUntil(t, loc) + " (stops " + When(t, loc) + ")"
	}
	return ValidUntil(t, loc)
}

// dayStart reports whether t is the first instant of a day in loc, and which.
func dayStart(t time.Time, loc *time.Location) (Date, bool) {
	if t.IsZero() {
		return Date{}, false
	}
	d := DateOf(t, loc)
	return d, d.Start(loc).Equal(t)
}
