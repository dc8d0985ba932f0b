package backend

import (
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine

	"github.com/apikeys-dev/apikeys/model"
)

// A pass reads only the keys expiring within alertWindow. Every key outside
// it, in every zone and at every hour, must have no alert it could send:
// sweeping expiries an hour apart over ±60 days around passes at several
// hours of a day, with and without a rotation and an edit after the alert's
// time, no key with a fresh alert falls outside.
func TestAlertWindowHoldsEveryKeyWithAnAlertToSend(t *testing.T) {
	zones := []string{"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Lisbon", "America/Sao_Paulo"}
	start := time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC) // a DST change in Lisbon
	checked := 0
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		b := &Backend{policy: model.ExpiryPolicy{Location: loc}}
		for _, h := range []int{0, 1, 7, 13, 23} {
			now := start.Add(time.Duration(h) * time.Hour)
			from, to := alertWindow(now)
			for d := -60 * 24; d <= 60*24; d++ {
				exp := now.Add(time.Duration(d) * time.Hour)
				for _, k := range []model.Key{
					{ID: "k", ExpiresAt: exp, CreatedAt: exp.AddDate(0, 0, -90), UpdatedAt: exp.AddDate(0, 0, -90)},
					{ID: "k", ExpiresAt: exp, CreatedAt: exp.AddDate(0, 0, -90), UpdatedAt: exp.Add(-time.Hour)},
					{ID: "k", ExpiresAt: exp, CreatedAt: exp.AddDate(0, 0, -90), UpdatedAt: exp.AddDate(0, 0, -3), ReplacedBy: "k2"},
				} {
					checked++
					in := k.ExpiresAt.After(from) && k.ExpiresAt.Before(to)
					for _, a := range b.alertsDue(k, now) {
						if a.fresh && !in {
							t.Fatalf("%s, pass at %v: a key expiring %v (window %v–%v) is due %q, fresh", zone, now, k.ExpiresAt, from, to, a.name)
						}
					}
				}
			}
		}
	}
	if checked < 10000 {
		t.Fatalf("checked only %d keys", checked)
	}
}
