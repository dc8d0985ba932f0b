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

// When is an instant in the workspace zone, to the minute: "30 Jun 2027 14:05 UTC".
func When(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}
