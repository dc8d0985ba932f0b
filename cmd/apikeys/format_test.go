package main

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// The CLI counts down in calendar days, as the TUI does: across a DST change
// 14 days to the expiration date are not 14×24 hours.
func TestExpiryTextCountsCalendarDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	p := model.ExpiryPolicy{Location: ny}
	tests := []struct {
		now     time.Time
		expires model.Date
		want    string
	}{
		// Clocks go back on 7 Nov 2027: 14 calendar days and an hour more than 14×24h.
		{time.Date(2027, 11, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 11, Day: 15}, "valid through 14 Nov 2027 (expires in 14 days)"},
		{time.Date(2027, 11, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 11, Day: 16}, "valid through 15 Nov 2027"},
		{time.Date(2027, 3, 1, 12, 0, 0, 0, ny), model.Date{Year: 2027, Month: 3, Day: 15}, "valid through 14 Mar 2027 (expires in 14 days)"},
		{time.Date(2027, 3, 1, 12, 0, 0, 0, ny), model.Date{Year: 2027, Month: 3, Day: 2}, "valid through 1 Mar 2027 (expires in 12h)"},
	}
	for _, tt := range tests {
		k := model.Key{ExpiresAt: p.ExpiresAt(tt.expires)}
		if got := expiryText(k, p, tt.now); got != tt.want {
			t.Errorf("at %s, expiring %s: %q, want %q", tt.now, tt.expires, got, tt.want)
		}
	}
}

// A key whose date was picked under UTC, listed after --timezone moved the
// workspace to Tokyo, stops at 09:00 on what is there 22 Dec: the column says
// that instant rather than a whole day it doesn't have.
func TestExpiryTextAfterTheZoneChanged(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	k := model.Key{ExpiresAt: model.ExpiryPolicy{}.ExpiresAt(model.Date{Year: 2026, Month: 12, Day: 22})}
	p := model.ExpiryPolicy{Location: tokyo}
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), "valid until 22 Dec 2026 09:00 JST"},
		{time.Date(2026, 12, 21, 20, 0, 0, 0, time.UTC), "valid until 22 Dec 2026 09:00 JST (expires in 4h)"},
		{time.Date(2026, 12, 23, 10, 0, 0, 0, time.UTC), "expired (valid until 22 Dec 2026 09:00 JST)"},
	}
	for _, tt := range tests {
		if got := expiryText(k, p, tt.now); got != tt.want {
			t.Errorf("at %s: %q, want %q", tt.now, got, tt.want)
		}
	}
}
