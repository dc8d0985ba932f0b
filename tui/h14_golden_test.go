package tui

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// sizes are the terminals the Members and Audit log goldens are drawn at:
// roomy, the classic 80×24, and the smallest the TUI supports.
var sizes = []struct{ w, h int }{{120, 36}, {80, 24}, {60, 16}}

// atSizes runs one golden story at every size, one golden file each.
func sampleAtSizes(t *testing.T, story func(t *testing.T, s *user)) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			story(t, start(t, fake.Sample(t, fake.Owner), sz.w, sz.h))
		})
	}
}

// "/admin" keeps the Security Admin and the Workspace Admin, by account type.
func TestGoldenMembersFilter(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openMembers()
		s.typ("/")
		s.typ("admin")
		s.waitFor("1/2 of 5")
		s.golden()
	})
}

// s twice: by account type; S reverses it, Members first; the header marks it (▼).
func TestGoldenMembersSorted(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openMembers()
		s.typ("ssS")
		s.waitFor("Sorted by account type ▼.")
		s.golden()
	})
}

// + on a member opens the SSH-key form; a line that isn't a key is explained
// next to the field.
func TestGoldenSSHKeyForm(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openMembers()
		s.typ("j+") // Ben Ortiz
		s.waitFor("Add an SSH key")
		s.typ("ssh-ed25519 AAAAnot-a-key ben@laptop")
		s.waitFor("ben@laptop█")
		s.press(tea.KeyEnter)
		s.waitFor("✗ Not an SSH")
		s.golden()
	})
}

// A pasted key is checked as it is typed: its fingerprint shows.
func TestSSHKeyFormAddsTheKey(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 100, 26)
	s.openMembers()
	s.typ("j+")
	s.waitFor("Add an SSH key")
	k := testkit.FixedSSHKey(7, "ben@laptop")
	s.typ(k.Line)
	s.waitFor("ben@laptop█")
	s.press(tea.KeyEnter)
	s.waitFor("Added SSH key")
	s.press(tea.KeyEnter)
	s.waitFor("Account type")
	if _, view := s.finish(); !strings.Contains(view, k.Fingerprint+" ben@laptop") {
		t.Errorf("Ben's details don't list the new key %s:\n%s", k.Fingerprint, view)
	}
}

// - on a member with keys picks one by fingerprint and asks first, Cancel
// the default.
func TestGoldenSSHKeyRemoveConfirm(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openMembers()
		s.typ("-") // Ana Lima, herself
		s.waitFor("Remove an SSH key")
		s.press(tea.KeyEnter) // the only key
		s.waitFor("Remove this key?")
		s.golden()
	})
}

// enter on an event, then j: the next (older) event's details.
func TestGoldenAuditDetailsStep(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openAuditLog()
		s.press(tea.KeyEnter)
		s.waitFor("ApiKeyRotated  1/15")
		s.typ("jj")
		s.waitFor("SshSessionStarted  3/15")
		s.typ("k")
		s.waitFor("ApiKeyCreated  2/15")
		// The sample's event ids are random past their timestamp: masked.
		_, view := s.finish()
		view = regexp.MustCompile(`evt_[0-9A-Za-z]+`).ReplaceAllStringFunc(view, func(id string) string { return "evt_" + strings.Repeat("x", len(id)-4) })
		teatest.RequireEqualOutput(t, []byte(view+"\n"))
	})
}

// The filter form: by Chloé Martin; then the list shows her events only.
func TestGoldenAuditFilterByActor(t *testing.T) {
	sampleAtSizes(t, func(t *testing.T, s *user) {
		s.openAuditLog()
		s.typ("/")
		s.waitFor("Show events")
		s.toField("By") // all types
		s.typ("j")      // the first actor after Anyone: Chloé Martin, newest
		s.waitFor("› Chloé Martin")
		s.toField("About the key")
		s.press(tea.KeyEnter) // any key
		s.waitFor("(4, events by Chloé Martin")
		s.golden()
	})
}

// startWelcomed is start with the first local run's welcome.
func startWelcomed(t *testing.T, w, h int, dismissed func()) *user {
	t.Helper()
	c := fake.Sample(t, fake.Owner)
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip,
		Welcome: &flows.WelcomeInfo{DataDir: "/home/ana/.local/share/apikeys", Database: "/home/ana/.local/share/apikeys/apikeys.db", Dismissed: dismissed}})
	return &user{t: t, tm: runSettling(t, m, w, h), c: c, clip: clip, w: w, h: h, model: m}
}

// The first TUI on a fresh data directory says what was set up and how to
// change it, over the API Keys page.
func TestGoldenWelcome(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			s := startWelcomed(t, sz.w, sz.h, nil)
			s.waitFor("show again.")
			s.golden()
		})
	}
}

// enter dismisses the welcome, once, and the keys page is there.
func TestWelcomeDismissedOnce(t *testing.T) {
	for _, k := range []tea.KeyType{tea.KeyEnter, tea.KeyEsc} {
		t.Run(k.String(), func(t *testing.T) {
			var n atomic.Int32
			s := startWelcomed(t, 100, 26, func() { n.Add(1) })
			s.waitFor("show again.")
			s.press(k)
			s.listed()
			s.press(k) // esc and enter again belong to the page now
			if _, view := s.finish(); strings.Contains(view, "Welcome to apikeys") {
				t.Errorf("the welcome is still shown:\n%s", view)
			}
			if got := n.Load(); got != 1 {
				t.Errorf("Dismissed ran %d times, want 1", got)
			}
		})
	}
}

// A Workspace Admin may add SSH keys to themselves and to those they cover,
// not to a Security Admin: there + is neither offered nor acted on (SPEC §1).
func TestSSHKeysOfferedOnlyWhereAllowed(t *testing.T) {
	s := start(t, fake.Sample(t, fake.WorkspaceAdmin), 120, 36)
	s.openMembers()
	s.press(tea.KeyDown) // Ben Ortiz, a Security Admin
	s.waitFor("› Ben Ortiz")
	s.typ("+-")
	s.press(tea.KeyDown) // Chloé Martin, herself
	s.waitFor("› Chloé Martin")
	s.typ("+")
	s.waitFor("Add an SSH key for “Chloé Martin”")
	s.press(tea.KeyEsc)
	s.waitFor("+ add SSH key")
	s.press(tea.KeyUp)
	s.waitFor("› Ben Ortiz")
	if _, view := s.finish(); strings.Contains(view, "add SSH key") || strings.Contains(view, "Add an SSH key for “Ben") {
		t.Errorf("a Workspace Admin is offered SSH keys of a Security Admin:\n%s", view)
	}
}

// Filtered by a key, the list keeps the events about it: created, rotated
// (as the old key or the new one), edited.
func TestAuditFilterByKey(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 120, 36)
	s.openAuditLog()
	s.typ("/")
	s.waitFor("Show events")
	s.toField("By")
	s.toField("About the key")
	s.typ("j") // the first key of the newest events: Partner import, rotated
	s.waitFor("› Partner import")
	s.press(tea.KeyEnter)
	s.waitFor("(2, events about Partner import")
	_, view := s.finish()
	for _, want := range []string{"ApiKeyRotated", "ApiKeyCreated", "Partner import"} {
		if !strings.Contains(view, want) {
			t.Errorf("filtered by Partner import, the list lacks %q:\n%s", want, view)
		}
	}
	for _, not := range []string{"UserInvited", "SshSessionStarted", "Billing import"} {
		if strings.Contains(view, not) {
			t.Errorf("filtered by Partner import, the list shows %q:\n%s", not, view)
		}
	}
}
