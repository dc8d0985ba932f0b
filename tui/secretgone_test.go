package tui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// A new secret whose key another admin deletes while the panel shows it no
// longer works: the panel says so instead of "Copy it now", keeps the dead
// secret off the screen, and closes without asking (there is nothing to lose).
func TestSecretOfAKeyDeletedElsewhere(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	s := start(t, c, gw, gh)
	s.listed()
	s.createKey("Deploy bot", 0)
	s.waitFor("Copy it now")
	var id string
	for _, k := range c.Keys() {
		if k.Name == "Deploy bot" {
			id = k.ID
		}
	}
	k, _ := c.Key(id)
	if _, err := c.Elsewhere(fake.Owner).DeleteKey(context.Background(), k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	s.waitFor("Deleted elsewhere: this secret no longer works.")
	s.press(tea.KeyEsc)
	s.waitFor("Billing imp")
	m, v := s.finish()
	if m.top(m.active) != nil {
		t.Errorf("esc asked instead of closing the panel of a deleted key:\n%s", v)
	}
	if strings.Contains(v, "apk_") && strings.Contains(v, "Deploy bot") {
		t.Errorf("the dead secret is still on screen:\n%s", v)
	}
}
