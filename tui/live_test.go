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

// newKey is a create request for a key made elsewhere.
func newKey(name string) client.CreateKeyRequest {
	return client.CreateKeyRequest{Name: name, Type: model.KeyImport, Expires: model.DateOf(fake.Now, time.UTC).AddDays(30)}
}

// A key made from another process (the CLI on the same data directory)
// appears in the list without a keystroke; so does a member added there on the
// Members page, and the event it wrote in the Audit log.
func TestChangeElsewhereAppearsWithoutAKeystroke(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	cli := c.Elsewhere(fake.WorkspaceAdmin)
	if _, _, err := cli.CreateKey(context.Background(), newKey("Made by the CLI")); err != nil {
		t.Fatal(err)
	}
	s.waitFor("Made by the CLI") // "1/7 · by created ▼" in the same frame

	s.press(tea.KeyTab)
	s.typ("g")
	s.waitFor("Eve Adams")
	if _, err := cli.AddMember(context.Background(), client.AddMemberRequest{Name: "Farah Khan", Email: "farah@acme.example", AccountType: model.Builder}); err != nil {
		t.Fatal(err)
	}
	s.waitFor("Farah Khan")
	s.finish()
}

// Details follow their key: a rename made elsewhere shows in the open details.
func TestDetailsFollowTheirKey(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.press(tea.KeyEnter)
	s.waitFor("“Billing import”")
	name := "Invoices import"
	touch(t, c, "key_billing", client.EditKeyRequest{Name: &name})
	s.waitFor("“Invoices import”")
	s.finish()
}

// A prompt about a key deleted elsewhere closes and says so; the list drops the
// key.
func TestPromptAboutAKeyDeletedElsewhereCloses(t *testing.T) {
	for _, open := range []struct {
		name string
		do   func(*user)
	}{
		{"delete", func(s *user) { s.openDeleteConfirmation("Billing import") }},
		{"edit", func(s *user) { s.openEditForm("Billing import") }},
		{"rotate", func(s *user) { s.openRotateForm() }},
	} {
		t.Run(open.name, func(t *testing.T) {
			c := fake.Sample(t, fake.Owner)
			s := start(t, c, gw, gh)
			s.listed()
			s.down(2)
			open.do(s)
			k, _ := c.Key("key_billing")
			if _, err := c.Elsewhere(fake.WorkspaceAdmin).DeleteKey(context.Background(), k.ID, k.Version); err != nil {
				t.Fatal(err)
			}
			s.said("“Billing import” was deleted elsewhere; nothing was changed.")
			m, v := s.finish()
			if m.top(m.active) != nil {
				t.Errorf("the prompt is still open:\n%s", v)
			}
			lines := strings.Split(v, "\n")
			if list := strings.Join(lines[:len(lines)-2], "\n"); strings.Contains(list, "Billing import") {
				t.Errorf("the deleted key is still listed:\n%s", v)
			}
		})
	}
}

// ctrl+r says it reloaded.
func TestReloadSaysReloaded(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.press(tea.KeyCtrlR)
	s.waitFor("Reloaded.")
	s.finish()
}

// After a conflict the form has the key as it is now and still what was
// typed: submitting again saves the typed name over the other admin's change.
func TestConflictThenSubmitAgainSaves(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := staleEdit(t, c, client.EditKeyRequest{})
	s.waitFor("reloaded it: submit again")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Saved “Billing import v2”")
	s.finish()
	if k, _ := c.Key("key_billing"); k.Name != "Billing import v2" {
		t.Errorf("after the second submit the key is %q", k.Name)
	}
}
