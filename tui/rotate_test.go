package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// soonSample is the sample workspace with two more keys in the expiring-soon
// window, so a rotation round has several keys to mark.
func soonSample() *fake.Client {
	c := fake.Sample(fake.Owner)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	extra := []model.Key{
		{ID: "key_hooks", Name: "Webhook export", Type: model.KeyExport, CreatedAt: day(6, 1), ExpiresAt: day(7, 4)},
		{ID: "key_audit2", Name: "Audit archive", Type: model.KeyAuditLogs, CreatedAt: day(5, 20), ExpiresAt: day(7, 15)},
	}
	for i, k := range extra {
		s := fake.Secret(k.Type, 20+i)
		k.Hint, k.Hash = s.Hint(), s.Hash()
		k.CreatedBy, k.CreatedByName, k.UpdatedAt, k.Version = fake.SecurityAdmin, "Ben Ortiz", k.CreatedAt, 1
		c.Keys = append(c.Keys, k)
	}
	return c
}

func TestGoldenRotateForm(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("jj") // Billing import, valid through 12 Jul 2026
	s.typ("r")
	s.waitFor("Grace for the old key")
	s.golden()
}

func TestGoldenRotateConfirmation(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("jj")
	s.typ("r")
	s.waitFor("Grace for the old key")
	s.typ("j") // 7 days: capped at the key's expiry
	s.press(tea.KeyEnter)
	s.waitFor("┃ Expiration of the new key")
	s.press(tea.KeyEnter)
	s.waitFor("Rotate “Billing import”?")
	s.golden()
}

func TestGoldenRotateSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	s.waitFor("Billing import")
	s.typ("jj")
	s.typ("r")
	s.waitFor("Grace for the old key")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate “Billing import”?")
	s.typ("y")
	s.waitFor("won't be shown again")
	s.golden()
}

func TestGoldenListReplacedInGrace(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), 120, gh)
	s.waitFor("Billing import")
	s.typ("jj")
	s.typ("r")
	s.waitFor("Grace for the old key")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate “Billing import”?")
	s.typ("y")
	s.waitFor("won't be shown again")
	s.typ("c")
	s.waitFor("Copied")
	s.press(tea.KeyEnter)
	s.waitFor("replaced, expires in 24h")
	s.golden()
}

func TestGoldenExpiringSoon(t *testing.T) {
	s := start(t, soonSample(), gw, gh)
	s.waitFor("Billing import")
	s.typ("!")
	s.waitFor("expiring soon")
	s.typ("a")
	s.waitFor("Marked 3 keys")
	s.golden()
}

// markThree marks the three newest keys: Partner import (the replacement),
// Nightly export to S3 and Billing import.
func markThree(s *session) {
	s.waitFor("Billing import")
	s.typ("   ")
	s.waitFor("3 marked")
}

func TestGoldenBulkConfirmation(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	markThree(s)
	s.typ("r")
	s.waitFor("Grace for the old keys")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate these 3 keys?")
	s.golden()
}

func TestGoldenBulkSecretPanel(t *testing.T) {
	s := start(t, fake.Sample(fake.Owner), gw, gh)
	markThree(s)
	s.typ("r")
	s.waitFor("Grace for the old keys")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate these 3 keys?")
	s.typ("y")
	s.waitFor("3 keys rotated")
	s.typ("j")
	s.typ("c")
	s.waitFor("Copied the secret for “Nightly export to S3”")
	s.golden()
}

func TestGoldenBulkPartialFailure(t *testing.T) {
	c := fake.Sample(fake.Owner)
	c.SetFail("RotateKey:key_export", model.Conflict("Key “Nightly export to S3” was changed by Ben Ortiz since you opened it — reload."))
	s := start(t, c, gw, gh)
	markThree(s)
	s.typ("r")
	s.waitFor("Grace for the old keys")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate these 3 keys?")
	s.typ("y")
	s.waitFor("Rotated 2 of 3 keys; 1 not rotated") // the last to come, after a reload
	s.golden()
}
