package tui

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// line is the frame's line holding text, or "".
func line(view, text string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

// osc52 is what the TUI writes to copy text.
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}

// Marks show as a ✓ column, so they read without colour; the count is in the
// title, and a mark hidden by the filter is still counted and still there
// when the filter is cleared.
func TestMarksVisibleWithoutColour(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.typ(" ")
	s.waitFor("1 marked")
	s.typ("/partner")
	s.waitFor("1 marked (1 hidden by the filter)")
	s.press(tea.KeyEsc) // clears the filter, keeps the mark
	s.waitFor("Nightly export to S3")
	m, v := s.finish()
	if strings.Contains(v, "\x1b[") {
		t.Fatalf("the frame has escape sequences under the ASCII profile:\n%q", v)
	}
	if l := line(v, "Billing import"); !strings.Contains(l, "✓ Billing import") {
		t.Errorf("the marked row has no ✓: %q", l)
	}
	if l := line(v, "Nightly export"); strings.Contains(l, "✓") {
		t.Errorf("an unmarked row has a ✓: %q", l)
	}
	if h := m.helpView(); !strings.Contains(h, "r rotate 1 marked") {
		t.Errorf("help = %q, want r with the count of marked keys", h)
	}
}

// C copies every new secret as NAME=SECRET lines, in the order shown, to the
// terminal's clipboard with OSC 52.
func TestCopyAllAsNameSecretLines(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.markThree()
	s.rotateMarked()
	s.waitFor("3 keys rotated")
	s.said("Rotated 3 keys.")
	s.typ("C")
	s.waitFor("Sent 3 secrets as NAME=SECRET lines")
	s.finish()
	want := "PARTNER_IMPORT=" + fake.Secret(model.KeyImport, 1).Reveal() + "\n" +
		"NIGHTLY_EXPORT_TO_S3=" + fake.Secret(model.KeyExport, 2).Reveal() + "\n" +
		"BILLING_IMPORT=" + fake.Secret(model.KeyImport, 3).Reveal() + "\n"
	if got := s.clip.String(); got != osc52(want) {
		t.Errorf("clipboard output = %q\nwant %q", got, osc52(want))
	}
}

// Closing the panel forgets the secrets; the list then shows each old key in
// its grace period and the new one beside it.
func TestClosingThePanelDropsTheSecrets(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, 120, gh)
	s.markThree()
	s.rotateMarked()
	s.waitFor("3 keys rotated")
	s.said("Rotated 3 keys.")
	s.typ("C")
	s.waitFor("Sent 3 secrets")
	s.press(tea.KeyEnter)
	s.waitFor("/9 · by")
	m, v := s.finish()
	if holdsSecret(m) {
		t.Error("the page still holds the secrets after the panel closed")
	}
	for n := 1; n <= 3; n++ {
		for _, typ := range []model.KeyType{model.KeyImport, model.KeyExport} {
			if strings.Contains(v, fake.Secret(typ, n).Reveal()) {
				t.Errorf("secret %d is still on screen", n)
			}
		}
	}
	if got := strings.Count(v, "replaced, expires in 24h"); got != 3 {
		t.Errorf("%d keys in a 24h grace in the list, want 3:\n%s", got, v)
	}
	if strings.Contains(v, "marked") {
		t.Errorf("rotated keys are still marked:\n%s", v)
	}
}

// Closing with a secret not copied asks, No first: the secret can't be shown
// again. Only y closes.
func TestCloseWithoutCopyingAsksFirst(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.rotateSelected("Billing import")
	s.press(tea.KeyEnter)
	s.waitFor("Close anyway?")
	s.press(tea.KeyEnter) // the default is No
	s.waitFor("enter/esc done")
	s.press(tea.KeyEsc)
	s.waitFor("Close anyway?")
	s.typ("y")
	s.waitFor("Closed without copying the secret")
	m, _ := s.finish()
	if holdsSecret(m) {
		t.Error("the second enter did not close the panel")
	}
}

// A bulk rotation runs one key at a time with its progress on screen; esc stops
// it after the key in flight, and the keys not tried are listed and stay marked.
func TestBulkRotationProgressAndStop(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	release := c.Hold("RotateKey:key_export")
	defer release()
	s := start(t, c, gw, gh)
	s.markThree()
	s.rotateMarked()
	s.waitFor("Nightly export to S3  rotating")
	s.waitFor("Rotating 2 of 3…") // the spinner repaints the status line
	s.press(tea.KeyEsc)
	s.waitFor("Stopping after “Nightly export to S3”")
	release()
	s.waitFor("2 of 3 keys rotated")
	_, v := s.finish()
	if !strings.Contains(v, "“Billing import”: Not tried: the rotation was stopped.") {
		t.Errorf("the key not tried is not listed:\n%s", v)
	}
	if k, _ := c.Key("key_billing"); k.ReplacedBy != "" {
		t.Error("the rotation went on after esc")
	}
	if k, _ := c.Key("key_export"); k.ReplacedBy == "" {
		t.Error("the key in flight when esc was pressed was not rotated")
	}
}

// One key failing leaves the others rotated, their secrets shown and the
// failure named; the failed key stays marked for another try.
func TestBulkFailureKeepsTheRest(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.SetFail("RotateKey:key_export", errors.New("database is locked"))
	s := start(t, c, gw, gh)
	s.markThree()
	s.rotateMarked()
	s.waitFor("Rotated 2 of 3 keys; 1 not rotated") // the last to come, after a reload
	m, v := s.finish()
	// Billing import's new secret is number 3: number 2 is its old one.
	for _, want := range []string{fake.Secret(model.KeyImport, 1).Reveal(), fake.Secret(model.KeyImport, 3).Reveal(),
		"“Nightly export to S3”: Unexpected error: database is"} {
		if !strings.Contains(v, want) {
			t.Errorf("the panel lacks %q:\n%s", want, v)
		}
	}
	for _, id := range []string{"key_partner2", "key_billing"} {
		if k, _ := c.Key(id); k.ReplacedBy == "" {
			t.Errorf("%s was not rotated", id)
		}
	}
	if got := keysPage(m).Marked(); len(got) != 1 || got[0] != "key_export" {
		t.Errorf("marked after the run = %v, want only the failed key_export", got)
	}
}

// A replaced key is not rotated again: r and space say to rotate its
// replacement, naming it.
func TestReplacedKeyPointsToItsReplacement(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.typ("G") // Partner import, replaced and in grace
	s.typ("r")
	s.waitFor("rotate its replacement (key_partner2) instead")
	s.typ(" ") // refused the same way; finish's quit comes after it
	m, v := s.finish()
	if strings.Contains(v, "marked") {
		t.Errorf("a replaced key was marked:\n%s", v)
	}
	if h := m.helpView(); strings.Contains(h, "r rotate") || strings.Contains(h, "space mark") {
		t.Errorf("help offers rotation of a replaced key: %q", h)
	}
}

// An expired key is renewed by rotation: no grace to choose, a new key and secret.
func TestExpiredKeyIsRenewedByRotation(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	before, _ := c.Key("key_meta")
	s := start(t, c, gw, gh)
	s.waitFor("Old metadata sync")
	s.down(4) // Old metadata sync, expired 15 Jun
	s.typ("r")
	s.waitFor("rotating renews it")
	_, v := s.finish()
	if strings.Contains(v, "Grace") {
		t.Errorf("an expired key offers a grace period:\n%s", v)
	}

	s = start(t, c, gw, gh)
	s.waitFor("Old metadata sync")
	s.down(4)
	s.typ("r")
	s.waitFor("┃ Expiration of the new key")
	s.press(tea.KeyEnter)
	s.waitFor("stays expired")
	s.typ("y")
	s.waitFor("the old key had expired")
	s.finish()
	old, _ := c.Key("key_meta")
	if old.ReplacedBy == "" || !old.ExpiresAt.Equal(before.ExpiresAt) {
		t.Errorf("old key after renewal: replaced by %q, expires %s; want replaced, expiry unchanged", old.ReplacedBy, old.ExpiresAt)
	}
	if nk, _ := c.Key(old.ReplacedBy); nk.State(fake.Now) != model.KeyActive {
		t.Errorf("the renewed key is %s, want active", nk.State(fake.Now))
	}
}

// A refused single rotation goes back to the form, with the reason in the
// status line; nothing is rotated.
func TestRotateBackendErrorKeepsTheForm(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.SetFail("RotateKey", errors.New("database is locked"))
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openRotateForm()
	s.typ("k") // 1 hour
	s.toRotateConfirmation("Billing import")
	s.typ("y")
	s.said("database is locked")
	if _, v := s.finish(); !strings.Contains(v, "› 1 hour") {
		t.Errorf("the form lost the chosen grace:\n%s", v)
	}
}

// A custom date for the new key is sent as chosen.
func TestRotateWithCustomDate(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openRotateForm()
	s.toField("Expiration of the new key")
	s.chooseCustomExpiry("+45d", "14 Aug 2026")
	s.press(tea.KeyEnter)
	s.waitFor("The new key is valid through 14 Aug 2026.")
	s.typ("y")
	s.waitFor("won't be shown again")
	s.finish()
	old, _ := c.Key("key_billing")
	nk, _ := c.Key(old.ReplacedBy)
	if want := "2026-08-15"; model.DateOf(nk.ExpiresAt, nk.ExpiresAt.Location()).String() != want {
		t.Errorf("new key expires %s, want the start of %s", nk.ExpiresAt, want)
	}
}

// A Security Admin marks only the keys they may manage; the rest are left out
// with a reason.
func TestMarkAllLeavesOutKeysNotYours(t *testing.T) {
	s := start(t, fake.Sample(t, fake.SecurityAdmin), gw, gh)
	s.listed()
	s.typ("a")
	s.waitFor("Marked 1 key; left out 1 replaced key and 4 you may not manage.")
	m, _ := s.finish()
	if got := keysPage(m).Marked(); len(got) != 1 || got[0] != "key_siem" {
		t.Errorf("marked = %v, want only the Audit logs key", got)
	}
}

// On a 60-column terminal the bulk confirmation keeps one line per key, with
// shorter headings, rather than wrapping its table.
func TestBulkConfirmationFitsANarrowPane(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 60, 16)
	s.waitFor("Partner imp")
	s.typ("   ")
	s.waitFor("3 marked")
	s.toBulkConfirmation()
	_, v := s.finish()
	if l := line(v, "Old stops"); !strings.Contains(l, "Valid through") {
		t.Errorf("the headings wrap:\n%s", v)
	}
	if l := line(v, "Billing import  "); !strings.Contains(l, "2 Jul 10:00") || !strings.Contains(l, "23 Jul 2026") {
		t.Errorf("a key's row wraps:\n%s", v)
	}
	if !strings.Contains(v, "› Cancel") {
		t.Errorf("the buttons are cut off:\n%s", v)
	}
}
