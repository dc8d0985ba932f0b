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
