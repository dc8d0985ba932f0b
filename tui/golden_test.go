package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"

	tea "github.com/charmbracelet/bubbletea"
)

// Golden frames: each test drives the real root model with real keys and
// compares its last frame with testdata/<Test>.golden (go test ./tui/... -update
// rewrites them). The terminal is 100×26 unless the test is about size.
const gw, gh = 100, 26

func TestGoldenEmptyList(t *testing.T) {
	s := start(t, fake.Empty(t, fake.Owner), gw, gh)
	s.waitFor("No API keys yet.")
	s.golden()
}

// At 120 columns every column shows.
func TestGoldenListStates(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 120, gh)
	s.waitFor("replaced, expires in 23h")
	s.golden()
}

func TestGoldenCreateForm(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.golden()
}

func TestGoldenCreateValidationError(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.press(tea.KeyEnter)
	s.waitFor("Name is required.")
	s.golden()
}

func TestGoldenCustomDate(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.toField("Key type")
	s.toField("Expiration")
	s.chooseCustomExpiry("+45d", "14 Aug 2026")
	s.golden()
}

func TestGoldenSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("won't be shown again")
	s.said("Created “Deploy bot”.")
	s.typ("c")
	s.waitFor("Sent the secret to your terminal's clipboard with OSC 52")
	s.golden()
}

func TestGoldenEditForm(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.openEditForm("Billing import")
	s.golden()
}

func TestGoldenEditExpiredKey(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.waitFor("Old metadata sync")
	s.down(4) // Old metadata sync, expired
	s.typ("e")
	s.waitFor("can't be extended")
	s.golden()
}

func TestGoldenDeleteConfirmation(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(1) // Nightly export to S3, used 2h ago
	s.openDeleteConfirmation("Nightly export to S3")
	s.golden()
}

func TestGoldenDetails(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.press(tea.KeyEnter) // Partner import, rotated from the replaced one
	s.waitFor("Rotated from")
	s.golden()
}

func TestGoldenBuilderRefused(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Builder), gw, gh)
	s.waitFor("You need to be")
	s.golden()
}

func TestGoldenMembersPage(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.openMembers()
	s.waitFor("› Ana Lima")
	s.golden()
}

func TestGoldenAddMemberForm(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.openMembers()
	s.typ("n")
	s.waitFor("Add member")
	s.typ("Farah Khan")
	s.toField("Email")
	s.typeName("farah@acme")
	s.golden()
}

func TestGoldenAuditLog(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.openAuditLog()
	s.waitFor("› 2026-07-01 09:00")
	s.golden()
}

func TestGoldenFullHelp(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.typ("?")
	s.waitFor("Keyboard shortcuts")
	s.golden()
}

func TestGoldenSmallTerminal(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 60, 16)
	s.waitFor("replaced, in 23h")
	s.golden()
}

func TestGoldenEscapeSequenceInName(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	// Bad data that got past validation: a colour escape, a bidi override and a
	// bell in a key's name, and a title-setting sequence in its creator's.
	c.Tamper(func(ctx context.Context, tx store.Tx) error {
		k, err := tx.Key(ctx, "key_partner2")
		if err != nil {
			return err
		}
		k.Name = "\x1b[31mred\x1b[0m \u202eevil\a"
		if _, err := tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		m, err := tx.Member(ctx, fake.WorkspaceAdmin)
		if err != nil {
			return err
		}
		m.Name = "Mallory\x1b]0;pwned\x07"
		_, err = tx.UpdateMember(ctx, m)
		return err
	})
	s := start(t, c, gw, gh)
	s.waitFor(`\x1b[31mred`)
	m := s.golden()
	if v := m.View(); strings.ContainsAny(v, "\x1b\u202e\a") {
		t.Fatalf("raw control characters reached the frame: %q", v)
	}
}
