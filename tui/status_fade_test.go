package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/status"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// The root hands the status line its timer: a message is gone once its time
// is up by the TUI's clock.
func TestStatusMessageFades(t *testing.T) {
	clock := testkit.NewClock(fake.Now)
	m := New(Options{Client: fake.Sample(t, fake.Owner), Renderer: asciiRenderer(), Clock: clock.Now}).(*Model)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 26})
	m.Update(app.Status{Text: "Created “Deploy bot”."})
	fade := func() {
		for seq := range 4 { // the line numbers its messages; only the last one's counts
			m.Update(status.Fade{Seq: seq})
		}
	}
	clock.Add(status.FadeAfter - time.Second)
	fade()
	if m.Status() != "Created “Deploy bot”." {
		t.Fatalf("status %q before its time", m.Status())
	}
	clock.Add(time.Second)
	fade()
	if m.Status() != "" {
		t.Errorf("status %q after %s", m.Status(), status.FadeAfter)
	}
}
