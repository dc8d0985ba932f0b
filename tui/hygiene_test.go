package tui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// standIn answers the hygiene calls from the fake's keys and members until
// the backend's own land (branch h17be): what the view draws, not the rules.
type standIn struct {
	*fake.Client
	mu    sync.Mutex
	calls []string // "RetireNow key_…", "DeactivateTransferring mem_… mem_…"
}

func (s *standIn) called(c string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *standIn) made() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *standIn) KeyUsage(ctx context.Context, id string, days int) ([]app.UsageDay, error) {
	pol := s.Policy()
	today := pol.Today(s.Now())
	out := make([]app.UsageDay, days)
	for i := range out {
		out[i].Day = today.AddDays(i - days + 1)
		if id == "key_siem" && i%3 != 0 {
			out[i].Uses = (i * 7) % 5
		}
		if id == "key_siem" && i%6 == 0 {
			out[i].Refused = map[string]int{"wrong_type": 1}
		}
	}
	return out, nil
}

func (s *standIn) Hygiene(ctx context.Context, idle int) ([]app.Finding, error) {
	ks, err := s.ListKeys(ctx, client.KeyFilter{})
	if err != nil {
		return nil, err
	}
	ms, err := s.ListMembers(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []app.Finding
	for _, k := range ks {
		st := k.State(now)
		if st != model.KeyActive && st != model.KeyReplaced {
			continue
		}
		f := app.Finding{Key: k, LatestUse: k.LastUsedAt, LatestFrom: k.LastUsedAddr, Owner: k.CreatedByName, OwnerActive: true}
		if i := slices.IndexFunc(ms, func(m model.Member) bool { return m.ID == k.CreatedBy }); i >= 0 {
			f.OwnerActive = ms[i].Active()
		}
		add := func(b app.Bucket, ok bool) {
			if ok {
				f.Buckets = append(f.Buckets, b)
			}
		}
		add(app.NeverUsed, k.LastUsedAt == nil && now.Sub(k.CreatedAt) > 7*24*time.Hour)
		add(app.Idle, k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) >= time.Duration(idle)*24*time.Hour)
		add(app.OwnerDeactivated, !f.OwnerActive)
		add(app.ExpiringSoon, st == model.KeyActive && k.ExpiresAt.Sub(now) <= model.ExpiringSoon)
		add(app.NoAllowList, true)
		add(app.ReplacedInUse, st == model.KeyReplaced && k.LastUsedAt != nil)
		out = append(out, f)
	}
	return out, nil
}

func (s *standIn) RetireNow(ctx context.Context, id string, version int64) (model.Key, error) {
	s.called("RetireNow " + id)
	return s.GetKey(ctx, id)
}

func (s *standIn) OwnedKeys(ctx context.Context, member string) ([]model.Key, error) {
	ks, err := s.ListKeys(ctx, client.KeyFilter{})
	now := s.Now()
	return slices.DeleteFunc(ks, func(k model.Key) bool {
		st := k.State(now)
		return k.CreatedBy != member || st == model.KeyExpired || st == model.KeyRevoked
	}), err
}

func (s *standIn) DeactivateTransferring(ctx context.Context, member string, version int64, to string) (model.Member, error) {
	s.called("DeactivateTransferring " + member + " " + to)
	return s.Deactivate(ctx, member, version)
}

// startHygiene is the hygiene workspace signed in as the Primary Owner, at w×h.
func startHygiene(t *testing.T, w, h int) (*user, *standIn) {
	t.Helper()
	c := fake.Hygiene(t, fake.Owner)
	si := &standIn{Client: c}
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: si, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip})
	return &user{t: t, tm: runSettling(t, m, w, h), c: c, clip: clip, w: w, h: h, model: m}, si
}

var goldenSizes = []struct {
	name string
	w, h int
}{{"120x36", 120, 36}, {"80x24", 80, 24}, {"60x16", 60, 16}}

// openHygiene opens the hygiene view from the API Keys page.
func (s *user) openHygiene() {
	s.t.Helper()
	s.waitFor("Billing import")
	s.typ("h")
	s.waitFor("Key hygiene")
}

func TestGoldenHygieneBuckets(t *testing.T) {
	for i, b := range []string{"NeverUsed", "Idle", "OwnerDeactivated", "Expiring", "NoAllowList", "ReplacedInUse"} {
		t.Run(b, func(t *testing.T) {
			s, _ := startHygiene(t, 100, 26)
			s.openHygiene()
			s.typ(string(rune('1' + i)))
			s.golden()
		})
	}
}

func TestGoldenHygieneSizes(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s, _ := startHygiene(t, sz.w, sz.h)
			s.openHygiene()
			s.golden()
		})
	}
}

func TestGoldenDetailsWithSparkline(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s, _ := startHygiene(t, sz.w, sz.h)
			s.waitFor("SIEM audit")
			s.typ("/")
			s.typ("SIEM")
			s.press(tea.KeyEnter, tea.KeyEnter)
			s.waitFor("Owner")
			s.down(6) // to the sparkline, where the pane is short
			s.shows("refusals")
			s.golden()
		})
	}
}

func TestGoldenDeactivateWithKeys(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s, _ := startHygiene(t, sz.w, sz.h)
			s.openMembers()
			s.down(2) // Chloé Martin, who made the Partner import and Billing import keys
			s.typ("x")
			s.waitFor("owns 4 live keys")
			s.press(tea.KeyUp, tea.KeyUp, tea.KeyEnter) // Transfer them
			s.waitFor("Transfer them to")
			s.golden()
		})
	}
}

// R on a replaced key still in use asks first; Retire ends its grace.
func TestHygieneRetireNowIsConfirmed(t *testing.T) {
	s, si := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("6")
	s.waitFor("used 10m ago")
	s.typ("R")
	s.waitFor("Retire “Partner import” now?")
	if got := si.made(); len(got) != 0 {
		t.Fatalf("called before the confirmation: %v", got)
	}
	s.typ("y")
	s.shows("Retired “Partner import”")
	s.finish()
	if got, want := si.made(), []string{"RetireNow key_partner1"}; !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
}

// Cancel retires nothing; esc from the view goes back to the list.
func TestHygieneRetireCancelled(t *testing.T) {
	s, si := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("6")
	s.waitFor("used 10m ago")
	s.typ("R")
	s.waitFor("Retire “Partner import” now?")
	s.typ("n")
	s.waitFor("R retire now")
	s.press(tea.KeyEsc)
	s.waitFor("API Keys (9)")
	s.finish()
	if got := si.made(); len(got) != 0 {
		t.Fatalf("calls %v, want none", got)
	}
}

// enter opens the key's details above the view; esc comes back to it.
func TestHygieneEnterOpensDetails(t *testing.T) {
	s, _ := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("3")
	s.waitFor("Frank Moss")
	s.press(tea.KeyEnter)
	s.waitFor("“Frank's export”")
	s.shows("Owner         Frank Moss")
	s.press(tea.KeyEsc)
	s.waitFor("Owned by a deactivated member")
	s.finish()
}

// The view follows the change feed: a key deleted elsewhere leaves its
// bucket without a keystroke, and the count goes down.
func TestHygieneFollowsChanges(t *testing.T) {
	s, _ := startHygiene(t, 100, 26)
	s.openHygiene()
	s.shows("[Never used 1]")
	k, _ := s.c.Key("key_legacy")
	if _, err := s.c.Elsewhere(fake.Owner).DeleteKey(context.Background(), k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	s.shows("[Never used 0]")
	s.shows("✓ None.")
	s.finish()
}

// Transferring a deactivated member's keys goes to the member picked, one
// able to manage their types; leaving them deactivates only.
func TestDeactivateWithKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  []tea.KeyType
		want  []string
		shows string
	}{
		{"transfer", []tea.KeyType{tea.KeyUp, tea.KeyUp, tea.KeyEnter, tea.KeyEnter},
			[]string{"DeactivateTransferring mem_chloe mem_ana"}, "4 keys now owned by “Ana Lima”"},
		{"leave", []tea.KeyType{tea.KeyEnter}, nil, "their 4 keys keep working"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, si := startHygiene(t, 100, 26)
			s.openMembers()
			s.down(2)
			s.typ("x")
			s.waitFor("owns 4 live keys")
			s.press(tc.keys...)
			s.waitFor("Deactivate “Chloé Martin”?")
			s.typ("y")
			s.shows(tc.shows)
			s.finish()
			if got := si.made(); !slices.Equal(got, tc.want) {
				t.Fatalf("calls %v, want %v", got, tc.want)
			}
			if m, _ := s.c.Member(fake.WorkspaceAdmin); m.Active() {
				t.Fatal("Chloé is still active")
			}
		})
	}
}

// i cycles how long without a use makes a key idle (30, 60, 90, 180, 365
// days), and the buckets are read again for it.
func TestHygieneIdleDays(t *testing.T) {
	s, _ := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("2")
	s.shows("[Idle 90d 1]")
	s.typ("i") // 180
	s.shows("[Idle 180d 0]")
	s.typ("iii") // 365, 30, 60
	s.shows("[Idle 60d 1]")
	s.finish()
}
