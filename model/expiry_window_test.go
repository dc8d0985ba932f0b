package model_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// The expiring-soon window is ExpiringSoonDays calendar days of the workspace
// zone whatever the hour and the DST changes: a key whose last valid day is the
// 14th day from today is in, the 15th is out. It used to be now + 336 hours, so
// that late on 10 Mar in New York (DST starts on the 14th) the 15th day was in,
// and just after midnight on 31 Oct (DST ends 7 Nov) the 14th was out.
func TestExpiringSoonIsCalendarDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p := model.ExpiryPolicy{Location: ny}
	for _, now := range []time.Time{
		time.Date(2027, 3, 10, 23, 30, 0, 0, ny),
		time.Date(2027, 3, 10, 0, 30, 0, 0, ny),
		time.Date(2027, 10, 31, 0, 30, 0, 0, ny),
		time.Date(2027, 10, 31, 23, 30, 0, 0, ny),
		time.Date(2027, 2, 20, 12, 0, 0, 0, ny),
		time.Date(2027, 12, 31, 23, 59, 0, 0, ny),
	} {
		for _, lastDay := range []int{0, 1, model.ExpiringSoonDays - 1, model.ExpiringSoonDays, model.ExpiringSoonDays + 1, model.ExpiringSoonDays + 2} {
			t.Run(fmt.Sprintf("%s/last valid day +%d", now.Format("2 Jan 15:04"), lastDay), func(t *testing.T) {
				k := model.Key{CreatedAt: now.Add(-time.Hour), ExpiresAt: p.ExpiresAt(p.Today(now).AddDays(lastDay + 1))}
				if got := p.ValidThrough(k.ExpiresAt); got != p.Today(now).AddDays(lastDay) {
					t.Fatalf("fixture: valid through %s", got)
				}
				want := lastDay <= model.ExpiringSoonDays
				if got := p.ExpiresWithin(k, now, model.ExpiringSoon); got != want {
					t.Errorf("ExpiresWithin = %v, want %v", got, want)
				}
			})
		}
	}
	// A span that is not whole days ends where the clock does.
	now := time.Date(2027, 3, 10, 23, 30, 0, 0, ny)
	k := model.Key{CreatedAt: now.Add(-time.Hour), ExpiresAt: p.ExpiresAt(p.Today(now).AddDays(3))} // valid through 12 Mar
	if !p.ExpiresWithin(k, now, 36*time.Hour) || p.ExpiresWithin(k, now, 12*time.Hour) {
		t.Error("36 h from 10 Mar 23:30 reaches 12 Mar; 12 h does not")
	}
}
