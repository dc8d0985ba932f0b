package expiry

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	gone := now.Add(-time.Hour)
	tests := []struct {
		name string
		key  model.Key
		want string
		tone table.Tone
	}{
		{"far", model.Key{ExpiresAt: day(2027, 7, 1)}, "valid through 30 Jun 2027", table.Normal},
		{"15 days", model.Key{ExpiresAt: day(2026, 7, 16)}, "valid through 15 Jul 2026", table.Normal},
		{"14 days", model.Key{ExpiresAt: day(2026, 7, 15)}, "in 14 days", table.Warn},
		{"12 days", model.Key{ExpiresAt: day(2026, 7, 13)}, "in 12 days", table.Warn},
		{"tomorrow", model.Key{ExpiresAt: day(2026, 7, 2)}, "in 14h", table.Warn},
		{"expired", model.Key{ExpiresAt: day(2026, 6, 15)}, "Expired", table.Bad},
		{"expires now", model.Key{ExpiresAt: now}, "Expired", table.Bad},
		{"replaced", model.Key{ExpiresAt: now.Add(23 * time.Hour), ReplacedBy: "key_b"}, "replaced, expires in 23h", table.Warn},
		{"replaced, 7-day grace", model.Key{ExpiresAt: now.Add(7 * 24 * time.Hour), ReplacedBy: "key_b"}, "replaced, expires in 7d", table.Warn},
		{"replaced soon", model.Key{ExpiresAt: now.Add(45 * time.Minute), ReplacedBy: "key_b"}, "replaced, expires in 45m", table.Warn},
		{"replaced, grace over", model.Key{ExpiresAt: now.Add(-time.Minute), ReplacedBy: "key_b"}, "Replaced", table.Dim},
		{"replaced with grace now", model.Key{ExpiresAt: now, ReplacedBy: "key_b"}, "Replaced", table.Dim},
		{"deleted", model.Key{ExpiresAt: day(2027, 1, 1), DeletedAt: &gone}, "Revoked", table.Bad},
	}
	p := model.ExpiryPolicy{Location: time.UTC}
	for _, tt := range tests {
		got, tone := Column(tt.key, now, p)
		if got != tt.want || tone != tt.tone {
			t.Errorf("%s: Column = %q (tone %d), want %q (tone %d)", tt.name, got, tone, tt.want, tt.tone)
		}
	}
}

// The last valid day is reckoned in the workspace zone, not UTC.
func TestExpiryInWorkspaceZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	p := model.ExpiryPolicy{Location: tokyo}
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	k := model.Key{ExpiresAt: p.ExpiresAt(model.Date{Year: 2027, Month: 1, Day: 1})}
	if got, _ := Column(k, now, p); got != "valid through 31 Dec 2026" {
		t.Errorf("Column = %q, want valid through 31 Dec 2026", got)
	}
}

// A key rotated with grace "now" (or whose grace is over) reads as replaced,
// naming its replacement, never as expired with the advice to rotate it.
func TestStateOfAReplacedKey(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	p := model.ExpiryPolicy{Location: time.UTC}
	k := model.Key{ExpiresAt: now, ReplacedBy: "key_b"}
	if got, want := State(k, now, p), "Replaced by key_b: stopped working "+model.When(now, time.UTC); got != want {
		t.Errorf("State = %q, want %q", got, want)
	}
}
