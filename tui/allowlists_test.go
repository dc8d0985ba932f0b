package tui

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// allowWorkspace is realWorkspace with two lists: "Office" the default, and
// "CI runners" linked to the Exports key.
func allowWorkspace(t *testing.T) (b *backend.Backend, owner, admin model.Member) {
	t.Helper()
	b, owner, admin = realWorkspace(t)
	ctx := context.Background()
	o := mustSession(t, b, owner)
	if _, err := o.CreateAllowList(ctx, backend.CreateAllowListRequest{Name: "Office", Description: "HQ egress",
		Entries: []string{"203.0.113.0/24", "2001:db8::/48"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetDefaultAllowList(ctx, "Office"); err != nil {
		t.Fatal(err)
	}
	ci, err := o.CreateAllowList(ctx, backend.CreateAllowListRequest{Name: "CI runners", Entries: []string{"198.51.100.7"}})
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := o.ListKeys(ctx, backend.KeyFilter{})
	for _, k := range ks {
		if k.Name == "Exports" {
			if err := o.LinkAllowList(ctx, ci.ID, []string{k.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b, owner, admin
}

// openAllowLists goes to the IP allow lists page (just above API Keys) and
// gives it the keyboard.
func (s *user) openAllowLists(want string) {
	s.t.Helper()
	s.waitFor("/4 · by")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor(want)
	s.press(tea.KeyTab)
}

func TestGoldenAllowLists(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.openAllowLists("198.51.100.7/32")
	s.golden()
}

func TestGoldenAllowListsAt60x16(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startRealAt(t, b, owner, 60, 16)
	s.openAllowLists("CI runners")
	s.golden()
}

func TestGoldenAllowListCreateRefusedEntry(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.openAllowLists("198.51.100.7/32")
	s.typ("n")
	s.waitFor("New IP allow list")
	s.typ("VPN")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Entries")
	s.typ("10.0.0.7/24, 192.0.2.1")
	s.press(tea.KeyEnter)
	s.waitFor("did you mean 10.0.0.0/24?")
	s.golden()
}

func TestAllowListCreateEditDefault(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.openAllowLists("198.51.100.7/32")
	s.typ("n")
	s.waitFor("New IP allow list")
	s.typ("VPN")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Entries")
	s.typ("10.0.0.0/24 192.0.2.1")
	s.waitFor("2 entries")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Description")
	s.press(tea.KeyEnter)
	s.waitFor("Saved IP allow list “VPN”.")
	s.typ("*")
	s.waitFor("no recent use would be refused") // nothing was used
	s.press(tea.KeyEnter)                       // Make default
	s.waitFor("“VPN” is the default list now")
	s.typ("e")
	s.waitFor("Edit IP allow list")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Entries")
	s.typ(", 192.0.2.2")
	s.waitFor("3 entries")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Description")
	s.press(tea.KeyEnter)
	s.waitFor("Saved IP allow list “VPN”.")
	s.finish()
	l, err := mustSession(t, b, owner).GetAllowList(context.Background(), "VPN")
	if err != nil || !l.Default || !slices.Equal(model.EntryStrings(l.Entries), []string{"10.0.0.0/24", "192.0.2.1/32", "192.0.2.2/32"}) {
		t.Errorf("stored %+v, %v", l, err)
	}
}

func TestGoldenAllowListDeleteConfirmation(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.openAllowLists("198.51.100.7/32")
	s.typ("d")
	s.waitFor("1 key loses it")
	s.golden()
}

// openLinkForm opens the link form of "CI runners", the list the cursor
// starts on.
func openLinkForm(t *testing.T, b *backend.Backend, m model.Member) *user {
	t.Helper()
	s := startReal(t, b, m)
	s.openAllowLists("198.51.100.7/32")
	s.typ("l")
	s.waitFor("Keys restricted by “CI runners”")
	return s
}

func TestGoldenAllowListLinkForm(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := openLinkForm(t, b, owner)
	s.golden()
}

func TestAllowListLinkKeys(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := openLinkForm(t, b, owner)
	s.typ("x") // the first key, newest first
	s.press(tea.KeyEnter)
	s.waitFor("no recent use would be refused") // its first list: a dry run first
	s.press(tea.KeyEnter)
	s.waitFor("“CI runners” now restricts 2 keys.")
	s.finish()
	l, _ := mustSession(t, b, owner).GetAllowList(context.Background(), "CI runners")
	if len(l.KeyIDs) != 2 {
		t.Errorf("linked keys %v, want 2", l.KeyIDs)
	}
}

func TestAllowListsRefusedToBuilder(t *testing.T) {
	b, owner, _ := realWorkspace(t)
	ctx := context.Background()
	bu, err := mustSession(t, b, owner).AddMember(ctx, backend.AddMemberRequest{Name: "Bo Builder", Email: "bo@example.com", AccountType: model.Builder})
	if err != nil {
		t.Fatal(err)
	}
	s := startReal(t, b, bu)
	s.waitFor("API Keys")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("You need to be")
	_, view := s.finish()
	if !strings.Contains(view, "IP allow lists") {
		t.Errorf("no IP allow lists page shown:\n%s", view)
	}
}

// Key details say where a key works from; l there changes its lists.
func TestGoldenKeyDetailsWithLists(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.waitFor("expire within 7 days")
	s.typ("/Exports")
	s.press(tea.KeyEnter)
	s.waitFor("Filter: Exports")
	s.press(tea.KeyEnter)
	s.waitFor("“CI runners”  (l)")
	s.golden()
}

func TestKeyDetailsChangeLists(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	s := startReal(t, b, owner)
	s.waitFor("expire within 7 days")
	s.typ("/SIEM")
	s.press(tea.KeyEnter)
	s.waitFor("Filter: SIEM")
	s.press(tea.KeyEnter)
	s.waitFor("the default list “Office” applies")
	s.typ("l")
	s.waitFor("IP allow lists of “SIEM”")
	s.typ("x") // CI runners, the first by name
	s.press(tea.KeyEnter)
	s.waitFor("no recent use would be refused") // its own instead of the default: a dry run first
	s.press(tea.KeyEnter)
	s.said("Saved the IP allow lists of “SIEM”.")
	// The details are drawn again when the lists are read again, which the
	// save's status doesn't wait for.
	s.shows("IP allow lists  “CI runners”  (l)")
	s.finish()
	l, _ := mustSession(t, b, owner).GetAllowList(context.Background(), "CI runners")
	if len(l.KeyIDs) != 2 {
		t.Errorf("CI runners keys %v, want Exports and SIEM", l.KeyIDs)
	}
}
