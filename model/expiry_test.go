package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func date(y int, m time.Month, d int) model.Date { return model.Date{Year: y, Month: m, Day: d} }

// now is the fixed clock of these tests: mid-afternoon UTC on 10 Mar 2027.
var now = time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)

func TestExpiryCheckBounds(t *testing.T) {
	utc := model.ExpiryPolicy{}
	tests := []struct {
		name    string
		p       model.ExpiryPolicy
		d       model.Date
		wantErr string
	}{
		{"yesterday", utc, date(2027, 3, 9), "Expiration date must be tomorrow (2027-03-11) or later."},
		{"today", utc, date(2027, 3, 10), "Expiration date must be tomorrow (2027-03-11) or later."},
		{"tomorrow", utc, date(2027, 3, 11), ""},
		// 10 Mar 2027 + 366 days is 10 Mar 2028: the span holds 29 Feb 2028.
		{"today+365", utc, date(2028, 3, 9), ""},
		{"today+366", utc, date(2028, 3, 10), ""},
		{"today+367", utc, date(2028, 3, 11), "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"far future", utc, date(2100, 1, 1), "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"zero MaxLifetimeDays means default", model.ExpiryPolicy{MaxLifetimeDays: 0}, date(2028, 3, 10), ""},
		{"negative MaxLifetimeDays means default", model.ExpiryPolicy{MaxLifetimeDays: -5}, date(2028, 3, 11), "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"custom 30: +30", model.ExpiryPolicy{MaxLifetimeDays: 30}, date(2027, 4, 9), ""},
		{"custom 30: +31", model.ExpiryPolicy{MaxLifetimeDays: 30}, date(2027, 4, 10), "Expiration date can be at most 30 days ahead (2027-04-09)."},
		{"custom 1: tomorrow", model.ExpiryPolicy{MaxLifetimeDays: 1}, date(2027, 3, 11), ""},
		{"custom 1: +2", model.ExpiryPolicy{MaxLifetimeDays: 1}, date(2027, 3, 12), "Expiration date can be at most 1 day ahead (2027-03-11)."},
		{"custom 730", model.ExpiryPolicy{MaxLifetimeDays: 730}, date(2029, 3, 9), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Check(tt.d, now)
			checkExpiryErr(t, err, tt.wantErr)
			// Parse of the same date as text must agree with Check.
			got, err := tt.p.Parse(tt.d.String(), now)
			checkExpiryErr(t, err, tt.wantErr)
			if err == nil && got != tt.d {
				t.Errorf("Parse(%s) = %s", tt.d, got)
			}
		})
	}
}

func checkExpiryErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("refused: %v", err)
	case want != "" && err == nil:
		t.Errorf("accepted, want %q", want)
	case want != "" && err.Error() != want:
		t.Errorf("error = %q, want %q", err, want)
	case err != nil:
		var me *model.Error
		if !asModelError(err, &me) || me.Kind != model.KindInvalid || me.Field != "expires" {
			t.Errorf("error %#v: want KindInvalid on field expires", err)
		}
	}
}

func TestEarliestLatest(t *testing.T) {
	p := model.ExpiryPolicy{}
	if got := p.Today(now); got != date(2027, 3, 10) {
		t.Errorf("Today = %s", got)
	}
	if got := p.Earliest(now); got != date(2027, 3, 11) {
		t.Errorf("Earliest = %s", got)
	}
	if got := p.Latest(now); got != date(2028, 3, 10) {
		t.Errorf("Latest = %s", got)
	}
	if p.Loc() != time.UTC {
		t.Errorf("a policy without a zone uses %v, want UTC", p.Loc())
	}
}

func TestExpiryParse(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		now  time.Time
		want model.Date
	}{
		{"2027-06-30", now, date(2027, 6, 30)},
		{"  2027-06-30\t", now, date(2027, 6, 30)},
		{"+1d", now, date(2027, 3, 11)},
		{"+7d", now, date(2027, 3, 17)},
		{"+30d", now, date(2027, 4, 9)},
		{"+366d", now, date(2028, 3, 10)},
		{"+4w", now, date(2027, 4, 7)},
		{"+52w", now, date(2028, 3, 8)},
		{"+3m", now, date(2027, 6, 10)},
		{"+12m", now, date(2028, 3, 10)},
		{"+1y", now, date(2028, 3, 10)},
		{"+7D", now, date(2027, 3, 17)},
		{" +1Y ", now, date(2028, 3, 10)},
		{"+0007d", now, date(2027, 3, 17)},
		// Month arithmetic clamps to the month's last day.
		{"+1m", at(2027, 1, 31), date(2027, 2, 28)},
		{"+1m", at(2028, 1, 31), date(2028, 2, 29)},
		{"+1m", at(2027, 3, 31), date(2027, 4, 30)},
		{"+3m", at(2027, 11, 30), date(2028, 2, 29)},
		{"+1m", at(2027, 12, 31), date(2028, 1, 31)},
		{"+1y", at(2028, 2, 29), date(2029, 2, 28)},
		{"+12m", at(2028, 2, 29), date(2029, 2, 28)},
		{"+7d", at(2027, 12, 28), date(2028, 1, 4)},
		{"2028-02-29", now, date(2028, 2, 29)},
	}
	for _, tt := range tests {
		got, err := model.ExpiryPolicy{}.Parse(tt.in, tt.now)
		if err != nil {
			t.Errorf("Parse(%q) at %s: %v", tt.in, tt.now.Format(time.DateOnly), err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) at %s = %s, want %s", tt.in, tt.now.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestExpiryParseRefusals(t *testing.T) {
	const use = " is not a date: use YYYY-MM-DD or a relative form like +30d, +4w, +3m, +1y."
	tests := []struct{ in, want string }{
		{"", "Expiration date is required: YYYY-MM-DD or +30d."},
		{"   ", "Expiration date is required: YYYY-MM-DD or +30d."},
		{"tomorrow", "“tomorrow”" + use},
		{"2027-02-29", "“2027-02-29”" + use},
		{"2027-13-01", "“2027-13-01”" + use},
		{"2027-04-31", "“2027-04-31”" + use},
		{"2027-6-30", "“2027-6-30”" + use},
		{"27-06-30", "“27-06-30”" + use},
		{"2027/06/30", "“2027/06/30”" + use},
		{"30/06/2027", "“30/06/2027”" + use},
		{"2027-06-30T00:00:00Z", "“2027-06-30T00:00:00Z”" + use},
		{"2027-06-30x", "“2027-06-30x”" + use},
		{"+7", "“+7”" + use},
		{"+d", "“+d”" + use},
		{"7d", "“7d”" + use},
		{"-7d", "“-7d”" + use},
		{"+-7d", "“+-7d”" + use},
		{"+7x", "“+7x”" + use},
		{"+7 d", "“+7 d”" + use},
		{"+7d3w", "“+7d3w”" + use},
		{"+10000d", "“+10000d”" + use},
		{"+٧d", "“+٧d”" + use}, // Arabic-Indic seven: digits are ASCII only
		{"+0d", "Expiration date must be tomorrow (2027-03-11) or later."},
		{"+367d", "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"+13m", "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"+2y", "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"+9999y", "Expiration date can be at most 366 days ahead (2028-03-10)."},
		{"2027-03-10", "Expiration date must be tomorrow (2027-03-11) or later."},
		{"0000-01-01", "Expiration date must be tomorrow (2027-03-11) or later."},
	}
	for _, tt := range tests {
		_, err := model.ExpiryPolicy{}.Parse(tt.in, now)
		if err == nil {
			t.Errorf("Parse(%q) accepted", tt.in)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%q) error = %q, want %q", tt.in, err, tt.want)
		}
		if model.KindOf(err) != model.KindInvalid {
			t.Errorf("Parse(%q) kind = %v", tt.in, model.KindOf(err))
		}
	}
}

func TestExpiryParseEchoesInputSafely(t *testing.T) {
	for _, in := range []string{"\x1b[31mred", "x\u202ey", "bad\xff"} {
		_, err := model.ExpiryPolicy{}.Parse(in, now)
		if err == nil {
			t.Fatalf("Parse(%q) accepted", in)
		}
		if !isSafeText(err.Error()) {
			t.Errorf("Parse(%q) error carries raw dangerous text: %q", in, err)
		}
		if !strings.Contains(err.Error(), "is not a date") {
			t.Errorf("Parse(%q) error = %q", in, err)
		}
	}
}

func TestExpiresAtAndValidThroughUTC(t *testing.T) {
	p := model.ExpiryPolicy{}
	d := date(2027, 6, 30)
	at := p.ExpiresAt(d)
	if want := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC); !at.Equal(want) {
		t.Fatalf("ExpiresAt(%s) = %s, want %s", d, at, want)
	}
	if got := p.ValidThrough(at); got != date(2027, 6, 29) {
		t.Errorf("ValidThrough = %s, want 2027-06-29", got)
	}
	if got := p.ValidThrough(at).Human(); got != "29 Jun 2027" {
		t.Errorf("ValidThrough.Human = %q", got)
	}
	if got := p.ExpiryDate(at); got != d {
		t.Errorf("ExpiryDate = %s, want %s", got, d)
	}
	// A rotated-out key may hold any instant: it is valid through the day of its
	// last valid nanosecond.
	grace := time.Date(2027, 6, 29, 17, 30, 0, 0, time.UTC)
	if got := p.ValidThrough(grace); got != date(2027, 6, 29) {
		t.Errorf("ValidThrough(%s) = %s", grace, got)
	}
	if got := p.ExpiryDate(grace); got != date(2027, 6, 30) {
		t.Errorf("ExpiryDate(%s) = %s", grace, got)
	}
}

func TestKeyStateBoundaries(t *testing.T) {
	p := model.ExpiryPolicy{}
	exp := p.ExpiresAt(date(2027, 6, 30))
	deleted := exp.Add(-48 * time.Hour)
	tests := []struct {
		name string
		key  model.Key
		at   time.Time
		want model.KeyState
	}{
		{"active, long before", model.Key{ExpiresAt: exp}, now, model.KeyActive},
		{"active, last valid instant", model.Key{ExpiresAt: exp}, exp.Add(-time.Nanosecond), model.KeyActive},
		{"expired, first invalid instant", model.Key{ExpiresAt: exp}, exp, model.KeyExpired},
		{"expired, after", model.Key{ExpiresAt: exp}, exp.Add(time.Nanosecond), model.KeyExpired},
		{"replaced, last valid instant", model.Key{ExpiresAt: exp, ReplacedBy: "key_new"}, exp.Add(-time.Nanosecond), model.KeyReplaced},
		{"replaced, grace over", model.Key{ExpiresAt: exp, ReplacedBy: "key_new"}, exp, model.KeyExpired},
		{"revoked before expiry", model.Key{ExpiresAt: exp, DeletedAt: &deleted}, now, model.KeyRevoked},
		{"revoked at deletion", model.Key{ExpiresAt: exp, DeletedAt: &deleted}, deleted, model.KeyRevoked},
		{"revoked and expired", model.Key{ExpiresAt: exp, DeletedAt: &deleted}, exp.Add(time.Hour), model.KeyRevoked},
		{"revoked replaced key", model.Key{ExpiresAt: exp, ReplacedBy: "key_new", DeletedAt: &deleted}, now, model.KeyRevoked},
	}
	for _, tt := range tests {
		got := tt.key.State(tt.at)
		if got != tt.want {
			t.Errorf("%s: State = %v, want %v", tt.name, got, tt.want)
		}
		wantValid := tt.want == model.KeyActive || tt.want == model.KeyReplaced
		if tt.key.Valid(tt.at) != wantValid {
			t.Errorf("%s: Valid = %v, want %v", tt.name, !wantValid, wantValid)
		}
	}
	if p.ValidThrough(exp) != model.DateOf(exp.Add(-time.Nanosecond), time.UTC) {
		t.Error("ValidThrough disagrees with the last valid instant's day")
	}
}

func TestKeyStateString(t *testing.T) {
	want := map[model.KeyState]string{
		model.KeyActive: "active", model.KeyReplaced: "replaced", model.KeyExpired: "expired",
		model.KeyRevoked: "revoked", model.KeyState(42): "unknown",
	}
	for s, w := range want {
		if s.String() != w {
			t.Errorf("KeyState(%d).String() = %q, want %q", int(s), s.String(), w)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	p := model.ExpiryPolicy{}
	at := time.Date(2027, 3, 10, 23, 0, 0, 0, time.UTC)
	// A key expiring at the start of 22 Mar: 12 days away on 10 Mar, whatever the hour.
	if got := p.DaysLeft(p.ExpiresAt(model.Date{Year: 2027, Month: 3, Day: 22}), at); got != 12 {
		t.Fatalf("DaysLeft = %d, want 12", got)
	}
}
