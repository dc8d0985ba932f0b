package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// The form traps of issue 13, as a user meets them in the whole program; each
// golden is the state after the fix. The mechanisms are tested in
// tui/components/form.

// toNewKeyExpiration opens the new-key form, names the key and moves on to
// its Expiration.
func (s *user) toNewKeyExpiration() {
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.toField("Key type")
	s.toField("Expiration")
}

// pickCustomDate chooses "Custom date…", the Expiration select's last option.
func (s *user) pickCustomDate() {
	s.typ("G")
	s.press(tea.KeyEnter)
	s.waitFor("Expiration date")
}

// backToExpiration goes back from the custom date with shift+tab and moves
// the Expiration select up one, to "1 year": the select has the keyboard.
func (s *user) backToExpiration() {
	s.press(tea.KeyShiftTab)
	s.waitFor("┃ › Custom date…")
	s.typ("k")
	s.waitFor("┃ › 1 year")
}

// Create → Custom date… → shift+tab from the empty date: back on the
// Expiration select, which takes the next key.
func TestGoldenCustomDateBack(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.toNewKeyExpiration()
	s.pickCustomDate()
	s.backToExpiration()
	s.golden()
}

// The same in Edit, from a date that was refused.
func TestGoldenEditCustomDateBack(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.openEditForm("Billing import")
	s.toField("Expiration")
	s.pickCustomDate()
	s.typ("2026-13-45")
	s.press(tea.KeyEnter)
	s.waitFor("is not a date")
	s.backToExpiration()
	s.golden()
}

// "/" in the key type select, then esc: the filter ends, the form and the
// typed name stay.
func TestGoldenEscEndsSelectFilter(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.toField("Key type")
	s.typ("/ex")
	s.waitFor("esc end filter")
	s.press(tea.KeyEscape)
	s.waitFor("esc cancel")
	s.golden()
}

// A form open at 120×36 on its last field, the terminal shrunk to 60×16: the
// focused field is in view and the footer still offers esc.
func TestGoldenFormResizedTo60x16(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 120, 36)
	s.toNewKeyExpiration()
	s.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 16})
	s.w, s.h = 60, 16
	view := s.golden().View()
	for _, want := range []string{"┃ Expiration", "┃ › 30 days", "esc cancel"} {
		if !strings.Contains(view, want) {
			t.Errorf("at 60×16 the frame lacks %q:\n%s", want, view)
		}
	}
}

// The create form at 80×24, as a NO_COLOR terminal shows it: the cursor is a
// block after the name, the choices carry "›".
func TestGoldenCreateForm80x24(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 80, 24)
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.golden()
}

// At 60 columns a filtered list's footer keeps "esc clear filter": the page's
// other actions give way first.
func TestGoldenFilteredListAt60x16(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 60, 16)
	s.listed()
	s.typ("/bill")
	s.press(tea.KeyEnter)
	s.waitFor("esc clear")
	s.golden()
}
