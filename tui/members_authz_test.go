package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// A Workspace Admin on a Security Admin's row: neither "t" nor "x" is offered,
// as the backend would refuse both (SPEC §1: nobody touches powers they don't
// hold).
func TestGoldenMembersAsWorkspaceAdmin(t *testing.T) {
	s := start(t, fake.Sample(t, fake.WorkspaceAdmin), gw, gh)
	s.openMembers()
	s.press(tea.KeyDown) // Ben Ortiz, a Security Admin
	s.waitFor("› Ben Ortiz")
	s.golden()
}

// A Workspace Admin changing a Builder's type is offered the types they cover:
// never Security Admin or Primary Owner.
func TestGoldenWorkspaceAdminTypePicker(t *testing.T) {
	s := start(t, fake.Sample(t, fake.WorkspaceAdmin), gw, gh)
	s.openMembers()
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyDown) // Dev Patel, a Builder
	s.waitFor("› Dev Patel")
	s.typ("t")
	s.waitFor("Account type of “Dev Patel”")
	s.golden()
}

func TestWorkspaceAdminAddsOnlyTypesTheyCover(t *testing.T) {
	s := start(t, fake.Sample(t, fake.WorkspaceAdmin), gw, gh)
	s.openMembers()
	s.typ("n")
	s.waitFor("Add member")
	_, view := s.finish()
	for _, want := range []string{"Workspace Admin", "› Builder", "Member"} {
		if !strings.Contains(view, want) {
			t.Errorf("the add form doesn't offer %q:\n%s", want, view)
		}
	}
	for _, never := range []string{"Security Admin", "Primary Owner"} {
		if strings.Contains(view, never) {
			t.Errorf("the add form offers %q to a Workspace Admin:\n%s", never, view)
		}
	}
}

// Pressed anyway, the hidden keys say what is needed, in the model's words.
func TestWorkspaceAdminRefusedOnSecurityAdmin(t *testing.T) {
	c := fake.Sample(t, fake.WorkspaceAdmin)
	s := start(t, c, gw, gh)
	s.openMembers()
	s.press(tea.KeyDown)
	s.waitFor("› Ben Ortiz")
	s.typ("t")
	s.waitFor("You need to be a Primary Owner to change the account type of a Security Admin.")
	s.typ("x")
	s.waitFor("You need to be a Primary Owner to deactivate a Security Admin.")
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyDown, tea.KeyDown) // Eve Adams, deactivated
	s.waitFor("› Eve Adams")
	s.typ("x") // a Member: the Workspace Admin may reactivate her
	s.waitFor("Reactivate “Eve Adams”?")
	s.finish()
	if m, _ := c.Member(fake.SecurityAdmin); m.AccountType != "security-admin" || !m.Active() {
		t.Fatalf("the Security Admin changed: %+v", m)
	}
}
