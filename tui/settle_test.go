package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// A load still in flight when the test's last wait is over (here the Audit
// log's, started by passing over it in the sidebar on the way back to API Keys,
// as TestGoldenWebhookDeliveries passes over it on the way to Webhooks) ends
// after it: the golden waits for the frame it shows, without the spinner,
// instead of taking the model as it is when Quit arrives. The load is held
// until the golden has seen a frame that is not yet its own, so a harness that
// doesn't wait always compares a frame with "Loading the audit log…" in it.
func TestGoldenWaitsOutALoadInFlight(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	release := c.Hold("ListEvents")
	t.Cleanup(release)
	s := start(t, c, gw, gh)
	s.listed()
	s.press(tea.KeyTab)
	s.typ("k") // the Audit log, which loads when shown: held
	s.waitFor("Loading the audit log")
	s.typ("j") // back to API Keys
	s.press(tea.KeyTab)
	s.unsettled = release
	s.golden()
}

// run (bench_test.go) waits for a backend call however long a loaded machine
// makes it, and abandons only timers: the key list's read is held until run has
// looked at it still running, so a run that took a call slower than a moment
// for a timer leaves the list empty.
func TestRunWaitsForASlowBackendCall(t *testing.T) {
	c := fake.Sample(t, fake.Owner)
	release := c.Hold("ListKeys")
	t.Cleanup(release)
	stillAnswering = release
	t.Cleanup(func() { stillAnswering = nil })
	m := New(Options{Client: still{c}, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }}).(*Model)
	run(m, tea.Batch(m.Init(), func() tea.Msg { return tea.WindowSizeMsg{Width: gw, Height: gh} }))
	if v := m.View(); !strings.Contains(v, "Billing import") {
		t.Fatalf("the key list never loaded:\n%s", v)
	}
}
