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
