package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// whereWorkspace is realWorkspace with two import keys used from 127.0.0.1
// and 127.0.0.2 (recorded, flushed): "Sync" under no list, "Report" linked to
// "Loopback" (127.0.0.1 only); no default list. Sync was used from more too.
func whereWorkspace(t *testing.T, more ...string) (b *backend.Backend, owner model.Member) {
	t.Helper()
	b, owner, _ = realWorkspace(t)
	ctx := context.Background()
	o := mustSession(t, b, owner)
	today := b.Policy().Today(b.Now())
	ids := map[string]string{}
	for _, name := range []string{"Sync", "Report"} {
		k, sec, err := o.CreateKey(ctx, backend.CreateKeyRequest{Name: name, Type: model.KeyImport, Expires: today.AddDays(90)})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = k.ID
		from := []string{"127.0.0.1", "127.0.0.2"}
		if name == "Sync" {
			from = append(from, more...)
		}
		for _, addr := range from {
			if res, err := b.Verify(ctx, sec.Reveal(), model.KeyImport, addr); err != nil || !res.Valid {
				t.Fatalf("verify %s from %s: %+v, %v", name, addr, res, err)
			}
			// One batch each: uses of one instant in one batch leave which
			// sets "last used from" to the map's order.
			if err := b.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := o.CreateAllowList(ctx, backend.CreateAllowListRequest{Name: "Loopback", Entries: []string{"127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.LinkAllowList(ctx, "Loopback", []string{ids["Report"]}); err != nil {
		t.Fatal(err)
	}
	return b, owner
}

// atSizes runs a golden test at 120x36, 80x24 and 60x16, one golden each.
func atSizes(t *testing.T, run func(t *testing.T, w, h int)) {
	for _, sz := range [][2]int{{120, 36}, {80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) { run(t, sz[0], sz[1]) })
	}
}

// openKeyDetails filters the API Keys page to name and opens its details,
// scrolled to their end (j, at 60x16), until they say where it was used from
// (want).
func (s *user) openKeyDetails(name, want string) { s.openKeyDetailsBy(name, want, "j") }

// openKeyDetailsBy is openKeyDetails scrolling with key (see detailsToEnd).
func (s *user) openKeyDetailsBy(name, want string, key any) {
	s.t.Helper()
	s.waitFor("API Keys  1/")
	s.typ("/" + name)
	s.press(tea.KeyEnter)
	s.waitFor("Filter: " + name)
	s.press(tea.KeyEnter)
	s.detailsToEnd(want, key)
}

// detailsToEnd presses key (j, or a wheel notch) while the details show more
// below, until their end is in view with want and the key's use (which
// arrives apart, above the addresses) in it: then every part was read and
// the view is scrolled as far as it goes, the same frame however the parts
// raced the keys.
func (s *user) detailsToEnd(want string, key any) {
	s.t.Helper()
	deadline := time.Now().Add(testkit.WaitTimeout)
	for {
		f := s.ask(frameProbe{})
		more := strings.Contains(f, "↓ more")
		if !more && strings.Contains(f, want) && strings.Contains(f, "Last 30 days") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the details never showed %q at their end:\n%s", want, f)
		}
		switch k := key.(type) {
		case string:
			if more {
				s.typ(k)
			}
		case tea.MouseMsg:
			if more {
				s.tm.Send(k)
			}
		}
		<-time.After(2 * time.Millisecond)
	}
}

// Key details list the addresses a key was used from, and whether its lists
// allow each now.
func TestGoldenKeyDetailsWhereUsed(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := whereWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.openKeyDetails("Report", "refused  127.0.0.2")
		s.golden()
	})
}

// At 60x16 the wheel, over the details, scrolls them to the addresses too.
func TestKeyDetailsWheelReachesAddresses(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startRealAt(t, b, owner, 60, 16)
	wheel := tea.MouseMsg{X: 30, Y: 8, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress}
	s.openKeyDetailsBy("Report", "refused  127.0.0.2", wheel)
	_, view := s.finish()
	if strings.Contains(view, "Name ") || !strings.Contains(view, "allowed  127.0.0.1") {
		t.Errorf("not scrolled to the addresses:\n%s", view)
	}
}

// What arrives apart from the key (its use, its addresses, the lists) redraws
// the details where the reader scrolled them, not from the top.
func TestKeyDetailsKeepTheirScrollWhenPartsArrive(t *testing.T) {
	b, owner, _ := realWorkspace(t)
	ctx := context.Background()
	o := mustSession(t, b, owner)
	k, sec, err := o.CreateKey(ctx, backend.CreateKeyRequest{Name: "Sync", Type: model.KeyImport, Expires: b.Policy().Today(b.Now()).AddDays(90)})
	if err != nil {
		t.Fatal(err)
	}
	use := func(addr string) {
		t.Helper()
		if res, err := b.Verify(ctx, sec.Reveal(), model.KeyImport, addr); err != nil || !res.Valid {
			t.Fatalf("verify from %s: %+v, %v", addr, res, err)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	use("127.0.0.1")
	use("127.0.0.2")
	s := startRealAt(t, b, owner, 60, 16)
	s.openKeyDetails(k.Name, "127.0.0.2")
	// A third address, and ctrl+r: the key, its use and its addresses are
	// read again and each redraws the details as it arrives.
	use("127.0.0.3")
	s.press(tea.KeyCtrlR)
	deadline := time.Now().Add(testkit.WaitTimeout)
	for view := s.ask(frameProbe{}); !strings.Contains(view, "3 addresses"); view = s.ask(frameProbe{}) {
		if strings.Contains(view, "Name ") || time.Now().After(deadline) {
			t.Fatalf("the details went back to their top:\n%s", view)
		}
		<-time.After(2 * time.Millisecond)
	}
	if _, view := s.finish(); strings.Contains(view, "Name ") || !strings.Contains(view, "Used from") {
		t.Errorf("the details went back to their top:\n%s", view)
	}
}

// n in details opens a new list over the key's addresses, prefilled.
func TestGoldenKeyListFromAddresses(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := whereWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.openKeyDetails("Sync", "allowed  127.0.0.2")
		s.typ("n")
		s.waitFor("2 entries")
		s.golden()
	})
}

// The list made from a key's addresses is linked to it once the dry run (no
// recent use refused) is confirmed.
func TestGoldenKeyListFromAddressesConfirm(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := whereWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.openKeyDetails("Sync", "allowed  127.0.0.2")
		s.typ("n")
		s.waitFor("2 entries")
		s.press(tea.KeyEnter, tea.KeyEnter, tea.KeyEnter)
		s.waitFor("no recent use would be refused")
		s.golden()
	})
}

func TestKeyListFromAddressesLinksIt(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.openKeyDetails("Sync", "allowed  127.0.0.2")
	s.typ("n")
	s.waitFor("2 entries")
	s.press(tea.KeyEnter, tea.KeyEnter, tea.KeyEnter)
	s.waitFor("no recent use would be refused")
	s.press(tea.KeyEnter)
	s.waitFor("“Where Sync runs”  (l)")
	s.said("works only from its addresses now") // its own command: it may land after the details' redraw
	s.finish()
	l, err := mustSession(t, b, owner).GetAllowList(context.Background(), "Where Sync runs")
	if err != nil || len(l.KeyIDs) != 1 || !slices.Equal(model.EntryStrings(l.Entries), []string{"127.0.0.1/32", "127.0.0.2/32"}) {
		t.Errorf("stored %+v, %v", l, err)
	}
}

// Dropping an address from the prefilled entries: the dry run names it, and
// Cancel (the default then) leaves the key unlinked.
func TestKeyListFromAddressesDryRunNamesTheDroppedAddress(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.openKeyDetails("Sync", "allowed  127.0.0.2")
	s.typ("n")
	s.waitFor("2 entries")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Entries")
	s.press(tea.KeyCtrlU)
	s.typ("127.0.0.1")
	s.waitFor("1 entry")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("“Sync”  127.0.0.2")
	s.press(tea.KeyEnter)
	s.waitFor("is not linked to it")
	s.finish()
	l, err := mustSession(t, b, owner).GetAllowList(context.Background(), "Where Sync runs")
	if err != nil || len(l.KeyIDs) != 0 {
		t.Errorf("stored %+v, %v; want the list, no key", l, err)
	}
}

// openLoopback goes to the IP allow lists page with "Loopback" selected.
func (s *user) openLoopback() {
	s.t.Helper()
	s.waitFor("API Keys  1/6")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("127.0.0.1/32")
	s.press(tea.KeyTab)
}

// Making a list the default is a narrowing change: the confirmation says which
// keys' recent addresses it would refuse, before anything changes.
func TestGoldenDefaultListDryRun(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := whereWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.openLoopback()
		s.typ("*")
		s.waitFor("Make “Loopback” the default list?")
		s.golden()
	})
}

func TestDefaultListDryRunThenYes(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.openLoopback()
	s.typ("*")
	s.waitFor("“Sync”  127.0.0.2")
	s.finish()
	o := mustSession(t, b, owner)
	if l, _ := o.GetAllowList(context.Background(), "Loopback"); l.Default {
		t.Fatal("the dry run made the list the default")
	}

	s = startReal(t, b, owner)
	s.openLoopback()
	s.typ("*")
	s.waitFor("Make “Loopback” the default list?")
	s.typ("h") // to Make default: Cancel is the default when uses would be refused
	s.press(tea.KeyEnter)
	s.waitFor("“Loopback” is the default list now")
	s.finish()
	if l, _ := o.GetAllowList(context.Background(), "Loopback"); !l.Default {
		t.Error("not the default after yes")
	}
}

// Removing an entry is confirmed over the dry run; Cancel keeps the entries.
func TestGoldenEditListDryRun(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := whereWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.editLoopbackTo("127.0.0.2")
		s.golden()
	})
}

func (s *user) editLoopbackTo(entries string) {
	s.t.Helper()
	s.openLoopback()
	s.typ("e")
	s.waitFor("Edit IP allow list")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Entries")
	s.press(tea.KeyCtrlU)
	s.typ(entries)
	s.waitFor("1 entry: " + entries + "/32")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Save the new entries of “Loopback”?")
}

func TestEditListDryRunCancelKeepsEntries(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.editLoopbackTo("127.0.0.2")
	_, view := s.finish()
	if !strings.Contains(view, "“Report”  127.0.0.1") {
		t.Errorf("the confirmation doesn't name Report's 127.0.0.1:\n%s", view)
	}
	s = startReal(t, b, owner)
	s.editLoopbackTo("127.0.0.2")
	s.press(tea.KeyEnter) // Cancel: back to the form, with what was typed
	s.waitFor("Nothing changed: edit the entries again, or esc.")
	if _, view := s.finish(); !strings.Contains(view, "> 127.0.0.2") || !strings.Contains(view, "Edit IP allow list") {
		t.Errorf("the form isn't back with what was typed:\n%s", view)
	}
	l, _ := mustSession(t, b, owner).GetAllowList(context.Background(), "Loopback")
	if got := model.EntryStrings(l.Entries); !slices.Equal(got, []string{"127.0.0.1/32"}) {
		t.Errorf("entries %v after Cancel", got)
	}
}

// Giving a key with no list of its own a first one is confirmed over the dry
// run of that link.
func TestKeyFirstListDryRun(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.openKeyDetails("Sync", "allowed  127.0.0.2")
	s.typ("l")
	s.waitFor("IP allow lists of “Sync”")
	s.typ("x")
	s.press(tea.KeyEnter)
	s.waitFor("“Sync”  127.0.0.2")
	s.typ("h")
	s.press(tea.KeyEnter)
	s.waitFor("refused  127.0.0.2")
	s.said("Saved the IP allow lists of “Sync”.") // its own command: it may land after the details' redraw
	s.finish()
	l, _ := mustSession(t, b, owner).GetAllowList(context.Background(), "Loopback")
	if len(l.KeyIDs) != 2 {
		t.Errorf("Loopback keys %v, want Report and Sync", l.KeyIDs)
	}
}

// A dry run refusing more addresses than the confirmation has room for names
// the first and counts the rest.
func TestDefaultListDryRunCountsWhatItDoesntName(t *testing.T) {
	b, owner := whereWorkspace(t, "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6")
	s := startReal(t, b, owner)
	s.openLoopback()
	s.typ("*")
	s.waitFor("Make “Loopback” the default list?")
	_, view := s.finish()
	if !strings.Contains(view, "… and 1 more (the CLI's --dry-run lists them all).") {
		t.Errorf("the rest aren't counted:\n%s", view)
	}
	if n := strings.Count(view, "“Sync”  127.0.0."); n != 4 {
		t.Errorf("%d addresses named, want 4:\n%s", n, view)
	}
}
