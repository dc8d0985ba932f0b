package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

func TestGoldenRotateForm(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2) // Billing import, valid through 12 Jul 2026
	s.openRotateForm()
	s.golden()
}

func TestGoldenRotateConfirmation(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.openRotateForm()
	s.typ("j") // 7 days: capped at the key's expiry
	s.toRotateConfirmation("Billing import")
	s.golden()
}

func TestGoldenRotateSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.rotateSelected("Billing import")
	s.golden()
}

func TestGoldenListReplacedInGrace(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 120, gh)
	s.listed()
	s.down(2)
	s.rotateSelected("Billing import")
	s.typ("c")
	s.waitFor("Sent the secret")
	s.press(tea.KeyEnter)
	s.waitFor("replaced, expires in 24h")
	s.golden()
}

func TestGoldenExpiringSoon(t *testing.T) {
	s := start(t, fake.ExpiringSoon(t, fake.Owner), gw, gh)
	s.listed()
	s.typ("!")
	s.waitFor("expiring soon")
	s.typ("a")
	s.waitFor("Marked 3 keys")
	s.golden()
}

func TestGoldenBulkConfirmation(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.markThree()
	s.toBulkConfirmation()
	s.golden()
}

func TestGoldenBulkSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.markThree()
	s.rotateMarked()
	s.waitFor("3 keys rotated")
	s.said("Rotated 3 keys.")
	s.typ("j")
	s.typ("c")
	s.waitFor("Sent the secret for “Nightly export to S3”")
	s.golden()
}

// One of the marked keys changed behind the TUI's back — Chloé Martin moved its
// expiry from her own terminal — so its rotation is refused; the others go on.
func TestGoldenBulkPartialFailure(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.markThree()
	// Touched once the rotation has its keys (the form takes them as they
	// are when r opens it): touched before r, the change notice could reach
	// the marks first, and the rotation then used the new version.
	s.toBulkConfirmation()
	touch(t, c, "key_export", client.EditKeyRequest{})
	s.typ("y")
	s.waitFor("Rotated 2 of 3 keys; 1 not rotated") // the last to come, after a reload
	s.golden()
}
