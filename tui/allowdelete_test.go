package tui

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// labWorkspace is whereWorkspace with Report linked to a second list too,
// "Lab" (127.0.0.2): deleting Lab leaves Report on Loopback alone, refused
// from 127.0.0.2, where it was used.
func labWorkspace(t *testing.T) (*backend.Backend, model.Member) {
	t.Helper()
	b, owner := whereWorkspace(t)
	ctx := context.Background()
	o := mustSession(t, b, owner)
	if _, err := o.CreateAllowList(ctx, backend.CreateAllowListRequest{Name: "Lab", Entries: []string{"127.0.0.2"}}); err != nil {
		t.Fatal(err)
	}
	ks, err := o.ListKeys(ctx, backend.KeyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if k.Name == "Report" {
			if err := o.LinkAllowList(ctx, "Lab", []string{k.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b, owner
}

// openLabDelete goes to the IP allow lists page, Lab selected (the first by
// name), and asks to delete it.
func (s *user) openLabDelete() {
	s.t.Helper()
	s.waitFor("API Keys  1/")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("127.0.0.2/32")
	s.press(tea.KeyTab)
	s.typ("d")
	s.waitFor("Delete “Lab”?")
}

// Deleting a list is a narrowing change too: the confirmation says which
// keys' recent addresses it would refuse, and Cancel is the default.
func TestGoldenDeleteListDryRun(t *testing.T) {
	atSizes(t, func(t *testing.T, w, h int) {
		b, owner := labWorkspace(t)
		s := startRealAt(t, b, owner, w, h)
		s.openLabDelete()
		s.shows("“Report”  127.0.0.2")
		s.golden()
	})
}

func TestDeleteListDryRunCancelThenDelete(t *testing.T) {
	b, owner := labWorkspace(t)
	o := mustSession(t, b, owner)
	s := startReal(t, b, owner)
	s.openLabDelete()
	s.press(tea.KeyEnter) // Cancel, the default
	s.waitFor("Kept “Lab”.")
	s.finish()
	if _, err := o.GetAllowList(context.Background(), "Lab"); err != nil {
		t.Fatalf("Cancel deleted the list: %v", err)
	}

	s = startReal(t, b, owner)
	s.openLabDelete()
	s.typ("h") // to Delete
	s.press(tea.KeyEnter)
	s.waitFor("Deleted IP allow list “Lab”.")
	s.finish()
	if _, err := o.GetAllowList(context.Background(), "Lab"); model.KindOf(err) != model.KindNotFound {
		t.Errorf("Lab after Delete: %v, want not found", err)
	}
}

// Deleting the only list of a key with no default widens it: the dry run says
// nothing would be refused.
func TestDeleteListDryRunNothingRefused(t *testing.T) {
	b, owner := whereWorkspace(t)
	s := startReal(t, b, owner)
	s.openLoopback()
	s.typ("d")
	s.waitFor("Delete “Loopback”?")
	s.shows("Dry run: no recent use would be refused")
	s.finish()
}
