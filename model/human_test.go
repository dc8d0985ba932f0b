package model

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		t    *time.Time
		want string
	}{
		{nil, "never"},
		{at(20 * time.Second), "just now"},
		{at(5 * time.Minute), "5m ago"},
		{at(2*time.Hour + 59*time.Minute), "2h ago"},
		{at(3 * 24 * time.Hour), "3d ago"},
		{at(45 * 24 * time.Hour), "17 May 2026"},
	}
	for _, tt := range tests {
		if got := Ago(tt.t, now, time.UTC); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "under a minute"},
		{45 * time.Minute, "45m"},
		{23*time.Hour + 59*time.Minute, "23h"},
		{47 * time.Hour, "47h"},
		{6*24*time.Hour + 23*time.Hour, "6d"},
		{30 * 24 * time.Hour, "30d"},
	}
	for _, tt := range tests {
		if got := Span(tt.d); got != tt.want {
			t.Errorf("Span(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// The expiry wording agrees with the instant in the zone shown: a day only
// where the key stops at the start of one there, else the instant itself.
func TestValidUntil(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	utcDay := Date{2026, time.December, 22}.Start(time.UTC) // picked as 22 Dec under UTC
	tests := []struct {
		name  string
		t     time.Time
		loc   *time.Location
		short string
		long  string
	}{
		{"picked in this zone", utcDay, time.UTC,
			"valid through 21 Dec 2026", "valid through 21 Dec 2026 (stops 22 Dec 2026 00:00 UTC)"},
		{"picked in this zone, Tokyo", Date{2026, time.December, 22}.Start(tokyo), tokyo,
			"valid through 21 Dec 2026", "valid through 21 Dec 2026 (stops 22 Dec 2026 00:00 JST)"},
		{"zone moved east since", utcDay, tokyo,
			"valid until 22 Dec 2026 09:00 JST", "valid until 22 Dec 2026 09:00 JST"},
		{"zone moved west since", utcDay, ny,
			"valid until 21 Dec 2026 19:00 EST", "valid until 21 Dec 2026 19:00 EST"},
		{"a replaced key's grace", time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC), time.UTC,
			"valid until 2 Jul 2026 10:00 UTC", "valid until 2 Jul 2026 10:00 UTC"},
		// 2026-09-06 in Santiago starts at 01:00, after the DST gap that
		// swallows midnight: that is still the start of the day.
		{"a day that starts after a DST gap", Date{2026, time.September, 6}.Start(santiago), santiago,
			"valid through 5 Sep 2026", "valid through 5 Sep 2026 (stops 6 Sep 2026 01:00 -03)"},
		{"never set", time.Time{}, time.UTC, "valid until —", "valid until —"},
	}
	for _, tt := range tests {
		if got := ValidUntil(tt.t, tt.loc); got != tt.short {
			t.Errorf("%s: ValidUntil = %q, want %q", tt.name, got, tt.short)
		}
		if got := ValidUntilLong(tt.t, tt.loc); got != tt.long {
			t.Errorf("%s: ValidUntilLong = %q, want %q", tt.name, got, tt.long)
		}
	}
}

func TestDaysAndArticles(t *testing.T) {
	for n, want := range map[int]string{0: "0 days", 1: "1 day", 2: "2 days", 14: "14 days"} {
		if got := Days(n); got != want {
			t.Errorf("Days(%d) = %q, want %q", n, got, want)
		}
	}
	for _, at := range AccountTypes {
		if got, want := at.WithArticle(), "a "+at.Label(); got != want {
			t.Errorf("%s.WithArticle() = %q, want %q", at, got, want)
		}
	}
	if got := SystemActor.Label(); got != "system" {
		t.Errorf("the system actor reads %q, want \"system\"", got)
	}
	if got := (Actor{Type: ActorMember, ID: "mem_1", Name: "Ana"}).Label(); got != "Ana" {
		t.Errorf("a member reads %q", got)
	}
	if got := (Actor{Type: ActorAPIKey, ID: "key_1"}).Label(); got != "key_1" {
		t.Errorf("a nameless key reads %q", got)
	}
}
