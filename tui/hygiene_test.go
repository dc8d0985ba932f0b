package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// startHygiene is the hygiene workspace signed in as the Primary Owner, at w×h.
func startHygiene(t *testing.T, w, h int) *user {
	t.Helper()
	return start(t, fake.Hygiene(t, fake.Owner), w, h)
}

var goldenSizes = []struct {
	name string
	w, h int
}{{"120x36", 120, 36}, {"80x24", 80, 24}, {"60x16", 60, 16}}

// openHygiene opens the hygiene view from the API Keys page.
func (s *user) openHygiene() {
	s.t.Helper()
	s.waitFor("Billing imp") // cut short at 60 columns
	s.typ("h")
	s.waitFor("keys to look at") // the title says how many once they are read
}

func TestGoldenHygieneBuckets(t *testing.T) {
	for i, b := range []string{"NeverUsed", "Idle", "OwnerDeactivated", "Expiring", "NoAllowList", "ReplacedInUse"} {
		t.Run(b, func(t *testing.T) {
			s := startHygiene(t, 100, 26)
			s.openHygiene()
			s.typ(string(rune('1' + i)))
			s.golden()
		})
	}
}

func TestGoldenHygieneSizes(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startHygiene(t, sz.w, sz.h)
			s.openHygiene()
			s.golden()
		})
	}
}

func TestGoldenDetailsWithSparkline(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startHygiene(t, sz.w, sz.h)
			s.waitFor("SIEM audit")
			s.typ("/")
			s.typ("SIEM")
			s.press(tea.KeyEnter, tea.KeyEnter)
			// The details' own Owner field: "Owner" alone is also in the
			// header ("Primary Owner"), redrawn before the details open.
			s.shows("Owner         Ben Ortiz")
			s.down(6) // to the sparkline, where the pane is short
			s.shows("refusals")
			s.golden()
		})
	}
}

func TestGoldenDeactivateWithKeys(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(sz.name, func(t *testing.T) {
			s := startHygiene(t, sz.w, sz.h)
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
	s := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("6")
	s.waitFor("used 10m ago")
	s.typ("R")
	s.waitFor("Retire “Partner import” now?")
	if k, _ := s.c.Key("key_partner1"); k.State(fake.Now) != model.KeyReplaced {
		t.Fatalf("retired before the confirmation: %v", k.State(fake.Now))
	}
	s.typ("y")
	s.said("Retired “Partner import”")
	s.shows("[Replaced, still in use 0]")
	s.finish()
	if k, _ := s.c.Key("key_partner1"); k.State(fake.Now) == model.KeyReplaced {
		t.Fatal("still in its grace after Retire")
	}
}

// Cancel retires nothing; esc from the view goes back to the list.
func TestHygieneRetireCancelled(t *testing.T) {
	s := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("6")
	s.waitFor("used 10m ago")
	s.typ("R")
	s.waitFor("Retire “Partner import” now?")
	s.typ("n")
	s.waitFor("R retire now")
	s.press(tea.KeyEsc)
	s.waitFor("API Keys  1/9")
	s.finish()
	if k, _ := s.c.Key("key_partner1"); k.State(fake.Now) != model.KeyReplaced {
		t.Fatalf("cancelled, yet %v", k.State(fake.Now))
	}
}

// enter opens the key's details above the view; esc comes back to it.
func TestHygieneEnterOpensDetails(t *testing.T) {
	s := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("3")
	s.waitFor("Frank Moss (deactivat")
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
	s := startHygiene(t, 100, 26)
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
		owner string // of Chloé's keys afterwards
		shows string
	}{
		{"transfer", []tea.KeyType{tea.KeyUp, tea.KeyUp, tea.KeyEnter, tea.KeyEnter},
			fake.Owner, "4 keys now owned by “Ana Lima”"},
		{"leave", []tea.KeyType{tea.KeyEnter}, fake.WorkspaceAdmin, "their 4 keys keep working"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startHygiene(t, 100, 26)
			s.openMembers()
			s.down(2)
			s.typ("x")
			s.waitFor("owns 4 live keys")
			s.press(tc.keys...)
			s.waitFor("Deactivate “Chloé Martin”?")
			s.typ("y")
			s.said(tc.shows)
			s.finish()
			if m, _ := s.c.Member(fake.WorkspaceAdmin); m.Active() {
				t.Fatal("Chloé is still active")
			}
			for _, id := range []string{"key_partner1", "key_partner2", "key_billing", "key_legacy"} {
				if k, _ := s.c.Key(id); k.OwnerID != tc.owner {
					t.Errorf("%s owned by %s, want %s", id, k.OwnerID, tc.owner)
				}
			}
		})
	}
}

// i cycles how long without a use makes a key idle (30, 60, 90, 180, 365
// days), and the buckets are read again for it.
func TestHygieneIdleDays(t *testing.T) {
	s := startHygiene(t, 100, 26)
	s.openHygiene()
	s.typ("2")
	s.shows("[Idle 90d+ 1]")
	s.typ("i") // 180
	s.shows("[Idle 180d+ 0]")
	s.typ("iii") // 365, 30, 60
	s.shows("[Idle 60d+ 1]")
	s.finish()
}

// A key used earlier on the day it was replaced counts as still in use (the
// day's counts can't tell before from after the rotation); the view says how
// many uses were counted since that day, and when it was last used.
func TestGoldenHygieneReplacedTodayByTheDaysCounts(t *testing.T) {
	s := startHygiene(t, 100, 26)
	k, ok := s.c.Key("key_siem")
	if !ok {
		t.Fatal("no SIEM key")
	}
	if _, err := s.c.As(fake.Owner).RotateKey(context.Background(), k.ID, client.RotateKeyRequest{Version: k.Version, Grace: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	s.openHygiene()
	s.typ("6")
	s.waitFor("[Replaced, still in use 2]")
	s.shows("5m ago, 2 since")
	row := rowOf(s.ask(frameProbe{}), "SIEM audit stream")
	if !strings.Contains(row, "5m ago, 2 since 1 Jul") {
		t.Fatalf("SIEM's row: %q", row)
	}
	s.golden()
}
