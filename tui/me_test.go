package tui

import (
	"context"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// A member whose account type another admin changes while their TUI is open
// gets what the new type allows without signing in again: the header says the
// new type, and a Builder made a Workspace Admin sees the keys and can create
// one at once (the TUI had kept the type it signed in with, and refused what
// the backend would now allow).
func TestAccountTypeChangedElsewhereIsFollowed(t *testing.T) {
	c := fake.Sample(t, fake.Builder)
	s := start(t, c, gw, gh)
	s.waitFor("You need to be a Workspace Admin or Security Admin to manage API keys.")
	me, _ := c.Member(fake.Builder)
	if _, err := c.Elsewhere(fake.Owner).SetAccountType(context.Background(), me.ID, model.WorkspaceAdmin, me.Version); err != nil {
		t.Fatal(err)
	}
	s.waitFor("Billing imp") // the header says "· Workspace Admin" in the same frame
	s.typ("n")
	s.waitFor("New API key")
	s.finish()
}
