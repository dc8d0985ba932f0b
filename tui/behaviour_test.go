package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

func keysPage(m *Model) *apikeys.Page { return m.pages[m.keysPage()].(*apikeys.Page) }

// holdsSecret reports whether a secret panel is still on a stack.
func holdsSecret(m *Model) bool {
	for _, s := range m.stacks {
		for _, e := range s {
			if f, ok := e.flow.(*flows.Secret); ok && f.Holds() {
				return true
			}
		}
	}
	return false
}

// A failing backend: the status line says what happened and the form is still
// there with what was typed, ready to submit again.
func TestGoldenCreateBackendError(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.SetFail("CreateKey", errors.New("database is locked"))
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("database is locked")
	m := s.golden()
	if !strings.Contains(m.Status(), "database is locked") {
		t.Errorf("status = %q, want the backend's error", m.Status())
	}
	if v := m.View(); !strings.Contains(v, "> Deploy bot") || !strings.Contains(v, "New API key") {
		t.Errorf("the form lost what was typed:\n%s", v)
	}
}

// Submitting again after the backend recovers creates the key with what was
// typed before the failure.
func TestRetryAfterBackendError(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.FailNext("CreateKey", errors.New("database is locked"))
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("database is locked")
	s.press(tea.KeyEnter, tea.KeyEnter, tea.KeyEnter)
	s.waitFor("won't be shown again")
	s.finish()
	if keys := c.Keys(); len(keys) != 7 || keys[0].Name != "Deploy bot" {
		t.Fatalf("want the key created once with the typed name, got %d keys, first %q", len(keys), keys[0].Name)
	}
}

// A refusal about one field is shown next to that field, with what was typed
// kept; the same value is refused there until it is changed, and a changed
// one goes through.
func TestRefusalShowsNextToTheField(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.FailNext("CreateKey", model.Invalid("name", "A key named so already exists."))
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("┃ ✗ A key named so already exists.")
	s.typ(" 2")
	s.press(tea.KeyEnter, tea.KeyEnter, tea.KeyEnter)
	s.waitFor("won't be shown again")
	s.finish()
	if keys := c.Keys(); keys[0].Name != "Deploy bot 2" {
		t.Fatalf("created %q, want the corrected name", keys[0].Name)
	}
}

// touch changes a key's expiry as Chloé Martin, a Workspace Admin at another
// terminal, would: the copy the TUI holds becomes stale.
func touch(t *testing.T, c *fake.Client, id string, r client.EditKeyRequest) {
	t.Helper()
	if r.Name == nil && r.Expires == nil {
		k, _ := c.Key(id)
		d := c.Policy().ExpiryDate(k.ExpiresAt).AddDays(-1)
		r.Expires = &d
	}
	if _, err := c.As(fake.WorkspaceAdmin).EditKey(context.Background(), id, r); err != nil {
		t.Fatal(err)
	}
}

// staleEdit opens the edit form on Billing import, has Chloé Martin change the
// key with r meanwhile, types " v2" after the name and submits.
func staleEdit(t *testing.T, c *fake.Client, r client.EditKeyRequest) *user {
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openEditForm("Billing import")
	touch(t, c, "key_billing", r)
	s.typ(" v2")
	s.toField("Expiration")
	s.press(tea.KeyEnter)
	return s
}

// A stale edit is refused with the backend's message, which names who changed
// the key.
func TestEditConflictNamesWhoChangedIt(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := staleEdit(t, c, client.EditKeyRequest{})
	s.said("changed by Chloé Martin since you opened it — reload")
	if _, v := s.finish(); !strings.Contains(v, "> Billing import v2") {
		t.Errorf("the form lost the typed name:\n%s", v)
	}
}

// q types a q inside a text field; it quits only outside one.
func TestQDoesNotQuitWhileTyping(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.typ("q")
	s.waitFor("> q")
	s.press(tea.KeyEsc)
	s.waitFor("Nightly export to S3")
	s.typ("q")
	s.tm.WaitFinished(t)
}

func TestCreateShowsSecretOnceAndCopiesIt(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 1) // Import
	want := fake.Secret(model.KeyImport, 1).Reveal()
	s.waitFor(want)
	s.said("Created “Deploy bot”.")
	s.typ("c")
	s.waitFor("Sent the secret to your terminal's clipboard with OSC 52")
	s.press(tea.KeyEnter)
	s.waitFor("Deploy bot")
	m, v := s.finish()

	if osc := osc52(want); s.clip.String() != osc {
		t.Errorf("clipboard output = %q, want the OSC 52 sequence %q", s.clip.String(), osc)
	}
	if strings.Contains(v, want) {
		t.Error("the secret is still on screen after closing the panel")
	}
	if holdsSecret(m) {
		t.Error("the page still holds the secret after the panel closed")
	}
	k := c.Keys()[0]
	if k.Name != "Deploy bot" || k.Type != model.KeyImport || !k.ExpiresAt.Equal(fake.Now.AddDate(0, 0, 30).Truncate(24*3600e9)) {
		t.Errorf("created %q %s expiring %s; want Deploy bot, import, in 30 days", k.Name, k.Type, k.ExpiresAt)
	}
	if !strings.Contains(v, "›  Deploy bot") {
		t.Errorf("the new key should be selected at the top of the list:\n%s", v)
	}
}

func TestDeleteAsksAndRemovesTheKey(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openDeleteConfirmation("Billing import")
	s.press(tea.KeyEnter) // the default is Cancel
	s.waitFor("Kept “Billing import”")
	s.openDeleteConfirmation("Billing import")
	s.typ("y")
	s.waitFor("Deleted “Billing import”")
	_, v := s.finish()
	if k, _ := c.Key("key_billing"); k.DeletedAt == nil {
		t.Error("the key was not deleted in the backend")
	}
	lines := strings.Split(v, "\n")
	if list := strings.Join(lines[:len(lines)-2], "\n"); strings.Contains(list, "Billing import") {
		t.Errorf("the deleted key is still listed:\n%s", v)
	}
}

func TestEditRenames(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	before, _ := c.Key("key_billing")
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openEditForm("Billing import")
	s.press(tea.KeyCtrlU)
	s.typ("Invoices import")
	s.toField("Expiration")
	s.press(tea.KeyEnter)
	s.waitFor("Saved “Invoices import”")
	s.finish()
	k, _ := c.Key("key_billing")
	if k.Name != "Invoices import" || !k.ExpiresAt.Equal(before.ExpiresAt) {
		t.Errorf("after edit: %q expiring %s; want the new name and the same date", k.Name, k.ExpiresAt)
	}
}

func TestFilterNarrowsTheList(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.typ("/")
	s.typ("import")
	s.waitFor("1/3 of 6")
	s.press(tea.KeyEnter)
	s.typ("q") // the filter is applied, not typing: q quits
	s.tm.WaitFinished(t)
	m := root(s.tm.FinalModel(t))
	v := m.View()
	if strings.Contains(v, "Nightly export") || !strings.Contains(v, "Billing import") {
		t.Errorf("filter kept the wrong rows:\n%s", v)
	}
}

// A Security Admin is told why they can't edit an Import key, and e, d, r are
// not offered on it; the create form offers only Audit logs keys.
func TestSecurityAdminLimits(t *testing.T) {
	c := fake.Sample(t, fake.SecurityAdmin)
	s := start(t, c, gw, gh)
	s.listed()
	s.typ("e")
	s.waitFor("You need to be a Workspace Admin to manage Import API keys.")
	m, _ := s.finish()
	if h := m.helpView(); strings.Contains(h, "e edit") || !strings.Contains(h, "n new") {
		t.Errorf("help on an Import key for a Security Admin = %q; want n, not e", h)
	}

	s = start(t, c, gw, gh)
	s.listed()
	s.openCreateForm()
	_, v := s.finish()
	if strings.Contains(v, "Import") || !strings.Contains(v, "Audit logs") {
		t.Errorf("the create form should offer only Audit logs:\n%s", v)
	}
}

func TestResizeRelayouts(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 16})
	s.w, s.h = 60, 16
	s.waitFor("Settings")
	s.finish() // checks the frame fits 60×16
}

// Changing an account type is confirmed, Cancel first: choosing a type and
// pressing enter twice changes nothing; moving to Change does.
func TestAccountTypeChangeIsConfirmed(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.openDevPatelsAccountType()
	s.press(tea.KeyUp) // Workspace Admin
	s.press(tea.KeyEnter)
	// Focused ("┃"): the title alone changes as soon as the select moves.
	s.waitFor("┃ Make “Dev Patel” a Workspace Admin?")
	s.press(tea.KeyEnter) // the default: Cancel
	s.waitFor("stays a Builder")
	if m, _ := c.Member(fake.Builder); m.AccountType != model.Builder {
		t.Fatalf("cancelled change applied: %s", m.AccountType)
	}
	s.openAccountTypeForm("Dev Patel")
	s.press(tea.KeyUp)
	s.press(tea.KeyEnter)
	// Focused ("┃"): the title alone changes as soon as the select moves.
	s.waitFor("┃ Make “Dev Patel” a Workspace Admin?")
	s.press(tea.KeyLeft, tea.KeyEnter)
	s.waitFor("is now a Workspace Admin")
	if m, _ := c.Member(fake.Builder); m.AccountType != model.WorkspaceAdmin {
		t.Fatalf("confirmed change not applied: %s", m.AccountType)
	}
}

// After a conflict the list behind the form is reloaded: leaving the form shows
// the change that got in first, with no ctrl+r.
func TestConflictReloadsTheList(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	name := "Billing import (by Chloé)"
	s := staleEdit(t, c, client.EditKeyRequest{Name: &name})
	s.waitFor("changed by Chloé Martin since you opened it")
	s.press(tea.KeyEsc)
	s.waitFor(name)
}

// A status message belongs to the page it is about: moving to another page
// clears it.
func TestStatusClearsOnPageChange(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.openMembers()
	s.waitFor("› Ana Lima")
	s.typ("x") // on yourself: refused at once
	s.waitFor("You can't deactivate yourself.")
	s.press(tea.KeyShiftTab)
	s.typ("G") // API Keys, which keeps its list and doesn't reload
	s.waitFor("API Keys  ")
	m, _ := s.finish()
	if st := m.Status(); st != "" {
		t.Fatalf("status on the API Keys page = %q, want it cleared", st)
	}
}
