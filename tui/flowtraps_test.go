package tui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// Each trap of issue 13 fixed, as a golden of the state after the fix.

// rotateNow rotates the selected key, named name, with grace "now", copies its
// secret and closes the panel.
func (s *user) rotateNow(name string) {
	s.openRotateForm()
	s.typ("g") // Now, the first grace
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate “" + name + "” (") // then its hint
	s.typ("y")
	s.waitFor("won't be shown again")
	s.said("Rotated “" + name + "”")
	s.typ("c")
	s.waitFor("Sent the secret")
	s.press(tea.KeyEnter)
}

// Rotated with grace "now", the old key reads "Replaced" and names its
// replacement, not "Expired" with the advice to rotate what was just rotated:
// its details, reached from the new key's with [.
func TestGoldenRotateNowShowsReplaced(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(2)
	s.rotateNow("Billing import")
	s.waitFor("API Keys")
	s.press(tea.KeyEnter) // the new key, selected
	s.waitFor("Rotated from")
	s.typ("[")
	s.waitFor("Replaced by key_new")
	m := s.golden()
	if v := m.View(); strings.Contains(v, "rotate it to issue a new secret") || strings.Contains(v, "Expired") {
		t.Errorf("the old key reads as expired:\n%s", v)
	}
}

// Rotating a key used in the last 24 hours with grace "now" warns as deleting it
// does.
func TestGoldenRotateNowWarnsUsedRecently(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.down(1) // Nightly export to S3, used 2h ago
	s.openRotateForm()
	s.typ("g")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("⚠ Used 2h ago: whatever uses it will start failing.")
	s.golden()
}

// Making someone a Primary Owner takes their email (or "primary owner") typed.
func TestGoldenPrimaryOwnerNeedsTypedConfirmation(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.openDevPatelsAccountType()
	s.press(tea.KeyUp, tea.KeyUp, tea.KeyUp) // Primary Owner, the first type
	s.press(tea.KeyEnter)
	s.waitFor("┃ Make “Dev Patel” a Primary Owner?")
	s.press(tea.KeyLeft, tea.KeyEnter)
	s.waitFor("or “primary owner” to confirm")
	s.press(tea.KeyEnter) // nothing typed: refused next to the field
	s.waitFor("✗ That isn't “dev@acme.test” or “primary owner”.")
	if m, _ := c.Member(fake.Builder); m.AccountType != model.Builder {
		t.Fatalf("changed without the typed confirmation: %s", m.AccountType)
	}
	s.golden()
}

func TestPrimaryOwnerTypedConfirmationApplies(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.openDevPatelsAccountType()
	s.press(tea.KeyUp, tea.KeyUp, tea.KeyUp)
	s.press(tea.KeyEnter)
	s.waitFor("┃ Make “Dev Patel” a Primary Owner?")
	s.press(tea.KeyLeft, tea.KeyEnter)
	s.waitFor("or “primary owner” to confirm")
	s.typ("Primary Owner")
	s.press(tea.KeyEnter)
	s.waitFor("is now a Primary Owner")
	s.finish()
	if m, _ := c.Member(fake.Builder); m.AccountType != model.PrimaryOwner {
		t.Fatalf("typed and confirmed, still %s", m.AccountType)
	}
}

// A prompt about a key deleted elsewhere closes and says so.
func TestGoldenPromptAboutDeletedKey(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.down(2)
	s.openDeleteConfirmation("Billing import")
	k, _ := c.Key("key_billing")
	if _, err := c.Elsewhere(fake.WorkspaceAdmin).DeleteKey(context.Background(), k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	s.waitFor("was deleted elsewhere")
	s.golden()
}

func TestGoldenReloaded(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.press(tea.KeyCtrlR)
	s.waitFor("Reloaded.")
	s.golden()
}

// A refusal about a field shows next to it, the values kept.
func TestGoldenRefusedNextToTheField(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	c.FailNext("CreateKey", model.Invalid("name", "A key named so already exists."))
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("┃ ✗ A key named so already exists.")
	s.golden()
}

// The list at 80×24.
func TestGolden80x24(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 80, 24)
	s.listed()
	s.golden()
}

// A form shrunk from 100×26 to 60×16 while open.
func TestGoldenResizedForm(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.toField("Key type")
	s.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 16})
	s.w, s.h = 60, 16
	s.waitFor("Settings")
	s.golden()
}

// noColor is a terminal environment with NO_COLOR set.
type noColor struct{}

func (noColor) Environ() []string { return []string{"TERM=xterm-256color", "NO_COLOR=1"} }
func (noColor) Getenv(k string) string {
	switch k {
	case "TERM":
		return "xterm-256color"
	case "NO_COLOR":
		return "1"
	}
	return ""
}

// A form under NO_COLOR, the renderer built from the environment as the local
// TUI's is: state in words and marks, never colour alone.
func TestGoldenNoColorForm(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard, termenv.WithEnvironment(noColor{}), termenv.WithTTY(true))
	r.SetHasDarkBackground(true)
	if r.ColorProfile() != termenv.Ascii {
		t.Fatalf("NO_COLOR gives profile %v", r.ColorProfile())
	}
	c := fake.Sample(t, fake.Owner)
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: c, Renderer: r, Clock: func() time.Time { return fake.Now }, Output: clip})
	s := &user{t: t, tm: runSettling(t, m, gw, gh), c: c, clip: clip, w: gw, h: gh, model: m}
	s.listed()
	s.openCreateForm()
	s.typeName("Deploy bot")
	s.golden()
}
