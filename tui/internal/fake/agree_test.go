package fake

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// world is one workspace with a member of every account type, seen through the
// client each of them would use, on a clock the test moves.
type world struct {
	as    map[model.AccountType]client.Client
	clock *testkit.Clock
}

// fakeWorld is the double; backendWorld is the plain backend the CLI and the SSH
// server use. The rules must come out the same through both.
func fakeWorld(t *testing.T, pol model.ExpiryPolicy, at time.Time) world {
	c := open(t, pol, at)
	if _, _, err := c.b.Bootstrap(context.Background(), "Acme", "Olive Owner", "olive@example.com", nil); err != nil {
		t.Fatal(err)
	}
	w := world{as: map[model.AccountType]client.Client{}, clock: c.clock}
	for _, at := range model.AccountTypes {
		email := "olive@example.com"
		if at != model.PrimaryOwner {
			email = string(at) + "@example.com"
			c.check(c.As("olive@example.com").AddMember(context.Background(),
				backend.AddMemberRequest{Name: string(at), Email: email, AccountType: at}))
		}
		m := &Client{t: t, b: c.b, st: c.st, clock: c.clock, gen: c.gen}
		m.signIn(email)
		w.as[at] = m
	}
	return w
}

func backendWorld(t *testing.T, pol model.ExpiryPolicy, at time.Time) world {
	ws := testkit.NewWorkspace(t, testkit.Options{Policy: pol})
	ws.Clock.Set(at)
	w := world{as: map[model.AccountType]client.Client{}, clock: ws.Clock}
	for at, m := range ws.MemberOfEachType() {
		w.as[at] = ws.Session(m.ID)
	}
	return w
}

// agree runs a script in both worlds and fails where their answers differ.
func agree(t *testing.T, pol model.ExpiryPolicy, at time.Time, script func(t *testing.T, w world) []string) []string {
	t.Helper()
	got := script(t, fakeWorld(t, pol, at))
	want := script(t, backendWorld(t, pol, at))
	if !slices.Equal(got, want) {
		for i := range max(len(got), len(want)) {
			g, w := "", ""
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("the fake says  %q\nthe backend says %q", g, w)
			}
		}
	}
	return got
}

func answer(err error) string {
	if err == nil {
		return "ok"
	}
	return fmt.Sprintf("%v: %s", model.KindOf(err), err)
}

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// A rotation's new key gets the old key's lifetime again, counted in calendar
// days of the workspace zone. The New York case is the one the old in-memory fake
// got wrong: created 1 Mar 2027 23:00, expiring 31 Mar (30 days, one of them 23
// hours long), rotated on 1 Apr: 1 May, where 24-hour blocks gave 30 Apr.
func TestRotationDefaultAgrees(t *testing.T) {
	tests := []struct {
		name    string
		zone    *time.Location
		created time.Time
		expires model.Date
		rotated time.Time
		want    string // the new key's expiration date
	}{
		{"New York, across the DST change", newYork, time.Date(2027, 3, 1, 23, 0, 0, 0, newYork), date(2027, 3, 31), time.Date(2027, 4, 1, 9, 0, 0, 0, newYork), "2027-05-01"},
		{"New York, late in the evening", newYork, time.Date(2027, 6, 10, 23, 30, 0, 0, newYork), date(2027, 6, 17), time.Date(2027, 6, 12, 23, 30, 0, 0, newYork), "2027-06-19"},
		{"UTC, 30 days", time.UTC, time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC), date(2027, 3, 31), time.Date(2027, 3, 20, 10, 0, 0, 0, time.UTC), "2027-04-19"},
		{"UTC, a year across a leap day", time.UTC, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), date(2028, 1, 1), time.Date(2027, 12, 30, 12, 0, 0, 0, time.UTC), "2028-12-29"},
		{"expired key, a day's lifetime", time.UTC, time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC), date(2027, 3, 2), time.Date(2027, 3, 9, 10, 0, 0, 0, time.UTC), "2027-03-10"},
		// The autumn DST change (a 25-hour day), month ends short and long, a leap
		// day, and a key made a minute before midnight, when UTC is already the next day.
		{"across the autumn DST change", newYork, time.Date(2027, 10, 15, 23, 0, 0, 0, newYork), date(2027, 11, 14), time.Date(2027, 11, 10, 9, 0, 0, 0, newYork), "2027-12-10"},
		{"31 Jan to 28 Feb", newYork, time.Date(2027, 1, 31, 12, 0, 0, 0, newYork), date(2027, 2, 28), time.Date(2027, 2, 20, 12, 0, 0, 0, newYork), "2027-03-20"},
		{"a minute before midnight, 31 Jan", newYork, time.Date(2027, 1, 31, 23, 59, 0, 0, newYork), date(2027, 2, 28), time.Date(2027, 2, 28, 23, 0, 0, 0, newYork), "2027-03-28"},
		{"to a leap day", newYork, time.Date(2028, 1, 31, 10, 0, 0, 0, newYork), date(2028, 2, 29), time.Date(2028, 2, 29, 10, 0, 0, 0, newYork), "2028-03-29"},
		{"rotated on 31 Jan, a month's lifetime", newYork, time.Date(2027, 1, 1, 10, 0, 0, 0, newYork), date(2027, 1, 31), time.Date(2027, 1, 31, 22, 0, 0, 0, newYork), "2027-03-02"},
		{"30 Apr to 31 May, rotated at month end", newYork, time.Date(2027, 4, 30, 20, 0, 0, 0, newYork), date(2027, 5, 31), time.Date(2027, 5, 31, 21, 0, 0, 0, newYork), "2027-07-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := model.ExpiryPolicy{Location: tt.zone, MaxLifetimeDays: 366}
			got := agree(t, pol, tt.created, func(t *testing.T, w world) []string {
				ctx := context.Background()
				owner := w.as[model.PrimaryOwner]
				k, _, err := owner.CreateKey(ctx, client.CreateKeyRequest{Name: "Nightly import", Type: model.KeyImport, Expires: tt.expires})
				if err != nil {
					t.Fatal(err)
				}
				w.clock.Set(tt.rotated)
				rot, err := owner.RotateKey(ctx, k.ID, client.RotateKeyRequest{Grace: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				return []string{pol.ExpiryDate(rot.New.ExpiresAt).String()}
			})
			if got[0] != tt.want {
				t.Errorf("new key expires %s, want %s", got[0], tt.want)
			}
		})
	}
}

func date(y int, m time.Month, d int) model.Date { return model.Date{Year: y, Month: m, Day: d} }

// The expiring-soon view keeps keys whose last valid day is within 14 days of
// today in the workspace zone, and replaced keys still in grace.
func TestExpiringSoonAgrees(t *testing.T) {
	pol := model.ExpiryPolicy{Location: newYork, MaxLifetimeDays: 90}
	now := time.Date(2027, 3, 10, 23, 30, 0, 0, newYork) // 11 Mar in UTC already
	got := agree(t, pol, now, func(t *testing.T, w world) []string {
		ctx := context.Background()
		owner := w.as[model.PrimaryOwner]
		for _, d := range []int{1, 2, 13, 14, 15, 16, 30, 89} {
			if _, _, err := owner.CreateKey(ctx, client.CreateKeyRequest{Name: fmt.Sprintf("in %02d days", d), Type: model.KeyExport, Expires: pol.Today(now).AddDays(d)}); err != nil {
				t.Fatal(err)
			}
		}
		old, _, err := owner.CreateKey(ctx, client.CreateKeyRequest{Name: "rotated", Type: model.KeyExport, Expires: pol.Today(now).AddDays(60)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := owner.RotateKey(ctx, old.ID, client.RotateKeyRequest{Grace: 7 * 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		soon, err := owner.ListKeys(ctx, client.KeyFilter{ExpiringWithin: 14 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range soon {
			names = append(names, fmt.Sprintf("%s (%s)", k.Name, k.State(now)))
		}
		slices.Sort(names)
		return names
	})
	if len(got) == 0 {
		t.Fatal("nothing is expiring soon")
	}
}

// Rotation offers exactly the graces of model.Graces; each ends the old key
// then, or at its own expiry if that comes first.
func TestGraceChoicesAgree(t *testing.T) {
	pol := model.ExpiryPolicy{Location: time.UTC, MaxLifetimeDays: 366}
	now := time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)
	graces := append(slices.Clone(model.Graces), 2*time.Hour, -time.Hour, 365*24*time.Hour)
	agree(t, pol, now, func(t *testing.T, w world) []string {
		ctx := context.Background()
		owner := w.as[model.PrimaryOwner]
		var out []string
		for _, g := range graces {
			k, _, err := owner.CreateKey(ctx, client.CreateKeyRequest{Name: "k", Type: model.KeyImport, Expires: pol.Today(now).AddDays(3)})
			if err != nil {
				t.Fatal(err)
			}
			rot, err := owner.RotateKey(ctx, k.ID, client.RotateKeyRequest{Grace: g})
			out = append(out, fmt.Sprintf("grace %s: %s, old key stops %s", g, answer(err), rot.Old.ExpiresAt.UTC().Format(time.RFC3339)))
		}
		return out
	})
}

// Every member is refused, or not, with the same words for every key type and
// every change the TUI offers.
func TestRefusalsAgree(t *testing.T) {
	pol := model.ExpiryPolicy{Location: time.UTC, MaxLifetimeDays: 366}
	now := time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)
	agree(t, pol, now, func(t *testing.T, w world) []string {
		ctx := context.Background()
		owner := w.as[model.PrimaryOwner]
		var out []string
		say := func(what string, err error) { out = append(out, what+": "+answer(err)) }
		for _, kt := range model.KeyTypes {
			k, _, err := owner.CreateKey(ctx, client.CreateKeyRequest{Name: "owned " + string(kt), Type: kt, Expires: pol.Today(now).AddDays(30)})
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range model.AccountTypes[1:] {
				c := w.as[at]
				who := string(at) + " " + string(kt)
				_, _, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: "new", Type: kt, Expires: pol.Today(now).AddDays(30)})
				say(who+" create", err)
				name := "renamed"
				_, err = c.EditKey(ctx, k.ID, client.EditKeyRequest{Name: &name, Version: 99})
				say(who+" edit, stale", err)
				_, err = c.DeleteKey(ctx, k.ID, 99)
				say(who+" delete, stale", err)
				_, err = c.RotateKey(ctx, k.ID, client.RotateKeyRequest{Grace: time.Hour, Version: 99})
				say(who+" rotate, stale", err)
				_, err = c.ListKeys(ctx, client.KeyFilter{})
				say(who+" list keys", err)
				_, err = c.ListMembers(ctx)
				say(who+" list members", err)
				_, err = c.ListEvents(ctx, client.EventFilter{})
				say(who+" audit log", err)
			}
		}
		for _, bad := range []client.CreateKeyRequest{
			{Name: "", Type: model.KeyImport, Expires: pol.Today(now).AddDays(30)},
			{Name: "past", Type: model.KeyImport, Expires: pol.Today(now)},
			{Name: "too far", Type: model.KeyImport, Expires: pol.Today(now).AddDays(367)},
			{Name: "no type", Type: "", Expires: pol.Today(now).AddDays(30)},
		} {
			_, _, err := owner.CreateKey(ctx, bad)
			say("create "+bad.Name, err)
		}
		return out
	})
}
