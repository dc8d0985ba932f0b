package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// Golden frames: each test drives the real root model with real keys and
// compares its last frame with testdata/<Test>.golden (go test ./tui/... -update
// rewrites them). The terminal is 100×26 unless the test is about size.
const gw, gh = 100, 26

func TestGoldenEmptyList(t *testing.T) {
	s := start(t, fake.Empty(fake.Owner), gw, gh)
	s.waitFor("No API keys yet.")
	s.golden()
}

// At 120 columns every column shows.
func TestGoldenListStates(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), 120, gh)
	s.waitFor("replaced, expires in 23h")
	s.golden()
}

func TestGoldenCreateForm(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("n")
	s.waitFor("New API key")
	s.typ("Deploy bot")
	s.waitFor("Deploy bot")
	s.golden()
}

func TestGoldenCreateValidationError(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("n")
	s.waitFor("New API key")
	s.press(tea.KeyEnter)
	s.waitFor("Name is required.")
	s.golden()
}

func TestGoldenCustomDate(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("n")
	s.waitFor("New API key")
	s.typ("Deploy bot")
	s.press(tea.KeyEnter) // to Key type
	s.waitFor("┃ Key type")
	s.press(tea.KeyEnter) // to Expiration
	s.waitFor("┃ Expiration")
	s.typ("G") // last option: Custom date…
	s.press(tea.KeyEnter)
	s.waitFor("Expiration date")
	s.typ("+45d")
	s.waitFor("valid through 14 Aug 2026")
	s.golden()
}

func TestGoldenSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("n")
	s.waitFor("New API key")
	s.typ("Deploy bot")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Key type")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Expiration")
	s.press(tea.KeyEnter)
	s.waitFor("won't be shown again")
	s.typ("c")
	s.waitFor("Copied to the clipboard")
	s.golden()
}

func TestGoldenEditForm(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("jj") // Billing import
	s.typ("e")
	s.waitFor("Edit “Billing import”")
	s.golden()
}

func TestGoldenEditExpiredKey(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Old metadata sync")
	s.typ("jjjj") // Old metadata sync, expired
	s.typ("e")
	s.waitFor("can't be extended")
	s.golden()
}

func TestGoldenDeleteConfirmation(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("j") // Nightly export to S3, used 2h ago
	s.typ("d")
	s.waitFor("Delete “Nightly export to S3”?")
	s.golden()
}

func TestGoldenDetails(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.press(tea.KeyEnter) // Partner import, rotated from the replaced one
	s.waitFor("Rotated from")
	s.golden()
}

func TestGoldenBuilderRefused(t *testing.T) {
	s := start(t, fake.Sample(fake.Builder), gw, gh)
	s.waitFor("You need to be")
	s.golden()
}

func TestGoldenMembersPage(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.openMembers()
	s.waitFor("› Ana Lima")
	s.golden()
}

func TestGoldenAddMemberForm(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.openMembers()
	s.typ("n")
	s.waitFor("Add member")
	s.typ("Farah Khan")
	s.press(tea.KeyEnter)
	s.waitFor("┃ Email")
	s.typ("farah@acme")
	s.waitFor("farah@acme")
	s.golden()
}

func TestGoldenAuditLog(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("ApiKeyRotated")
	s.press(tea.KeyTab)
	s.waitFor("› 2026-07-01 09:00")
	s.golden()
}

func TestGoldenFullHelp(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("?")
	s.waitFor("Keyboard shortcuts")
	s.golden()
}

func TestGoldenSmallTerminal(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), 60, 16)
	s.waitFor("replaced, expires in 23h")
	s.golden()
}

func TestGoldenEscapeSequenceInName(t *testing.T) {
	c := fake.Sample(fake.Owner)
	// Bad data that got past validation: a colour escape, a bidi override and a
	// bell. The frame must show them as text, never send them to the terminal.
	c.Keys[0].Name = "\x1b[31mred\x1b[0m \u202eevil\a"
	c.Keys[0].CreatedByName = "Mallory\x1b]0;pwned\x07"
	s := start(t, c, gw, gh)
	s.waitFor(`\x1b[31mred`)
	m := s.golden()
	if v := m.View(); containsAny(v, "\x1b", "\u202e", "\a") {
		t.Fatalf("raw control characters reached the frame: %q", v)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if len(x) > 0 && len(s) > 0 && indexOf(s, x) >= 0 {
			return true
		}
	}
	return false
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

var _ = model.Sanitize
