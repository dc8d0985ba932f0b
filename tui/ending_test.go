package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// secretShown creates a key (or rotates three) and waits for the panel.
func secretShown(t *testing.T, bulk bool) *user {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	if bulk {
		s.markThree()
		s.rotateMarked()
		s.waitFor("3 keys rotated")
		s.said("Rotated 3 keys.")
	} else {
		s.listed()
		s.createKey("Modeling sync", 0)
		s.waitFor("won't be shown again")
		s.said("Created “Modeling sync”.")
	}
	return s
}

// stillThere proves the program runs and the secret panel is open: n answers
// No to whatever was asked, then c copies.
func (s *user) stillThere() {
	s.t.Helper()
	s.typ("n")
	s.typ("c")
	s.waitFor("to your terminal's clipboard with OSC 52")
}

// Every way of ending the program or the panel asks first while a secret
// neither copied nor saved is on screen, for one new secret and for a bulk
// rotation's; only y goes on. It fails if any path ends the program without
// the question.
func TestNothingEndsAnUncopiedSecretWithoutAsking(t *testing.T) {
	paths := []struct {
		name string
		do   func(*user)
		ask  string
	}{
		{"q", func(s *user) { s.typ("q") }, "Quit anyway? (y/N)"},
		{"ctrl+c", func(s *user) { s.press(tea.KeyCtrlC) }, "Quit anyway? (y/N)"},
		{"ctrl+c twice", func(s *user) { s.press(tea.KeyCtrlC, tea.KeyCtrlC) }, ""}, // the second is a No
		{"esc", func(s *user) { s.press(tea.KeyEsc) }, "Close anyway?"},
		{"enter", func(s *user) { s.press(tea.KeyEnter) }, "Close anyway?"},
		{"quit from outside", func(s *user) { s.tm.Send(app.Quit{}) }, "Quit anyway? (y/N)"},
		{"server shutdown", func(s *user) { s.tm.Send(app.ShuttingDown{In: 10 * time.Second}) }, "The server is shutting down"},
		{"idle warning", func(s *user) { s.tm.Send(app.IdleWarning{Left: time.Minute}) }, "closes in 1 minute without a keystroke"},
	}
	for _, bulk := range []bool{false, true} {
		for _, p := range paths {
			name := p.name
			if bulk {
				name = "bulk/" + name
			}
			t.Run(name, func(t *testing.T) {
				s := secretShown(t, bulk)
				p.do(s)
				if p.ask != "" {
					s.waitFor(p.ask)
				}
				if p.name == "server shutdown" {
					// Running, warning; saying it is saved lets it end.
					s.typ("n")
					s.typ("s")
					s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))
					return
				}
				s.stillThere()
				s.finish()
			})
		}
	}
}

// Every key of the keymap, pressed on the panel, leaves it open or asks.
func TestNoKeyEndsAnUncopiedSecret(t *testing.T) {
	keys := []string{"q", "Q", "x", "d", "r", "n", "e", "/", "?", "tab", "shift+tab", "ctrl+r", "g", "G", "j", "k", "left", "right", " "}
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			s := secretShown(t, false)
			switch k {
			case "tab":
				s.press(tea.KeyTab)
			case "shift+tab":
				s.press(tea.KeyShiftTab)
			case "ctrl+r":
				s.press(tea.KeyCtrlR)
			case "left":
				s.press(tea.KeyLeft)
			case "right":
				s.press(tea.KeyRight)
			case "q":
				s.typ(k)
				s.waitFor("Quit anyway?") // the question comes back as a message
			default:
				s.typ(k)
			}
			s.stillThere()
			s.finish()
		})
	}
}

// y to the question ends the program; so does q once the secret was copied.
func TestQuitAfterAnsweringYesOrCopying(t *testing.T) {
	s := secretShown(t, false)
	s.press(tea.KeyCtrlC)
	s.waitFor("Quit anyway? (y/N)")
	s.typ("y")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))

	s = secretShown(t, false)
	s.typ("c")
	s.waitFor("OSC 52")
	s.typ("q")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))

	// s, for a terminal without OSC 52: saved, so nothing is asked.
	s = secretShown(t, false)
	s.typ("s")
	s.waitFor("Marked as saved")
	s.press(tea.KeyCtrlC)
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))
}

// A server shutdown ends a session with nothing precious at once; with a
// secret on screen it warns and ends once the secret is copied.
func TestShutdownWaitsForTheSecret(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.tm.Send(app.ShuttingDown{In: 10 * time.Second})
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))

	s = secretShown(t, false)
	s.tm.Send(app.ShuttingDown{In: 10 * time.Second})
	s.waitFor("this session ends within 10 seconds")
	s.typ("c")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))
}

// The idle warning shows until the next keystroke.
func TestIdleWarningGoesWithAKeystroke(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.tm.Send(app.IdleWarning{Left: time.Minute})
	s.waitFor("This session closes in 1 minute without a keystroke.")
	s.typ("j")
	_, v := s.finish()
	if strings.Contains(v, "without a keystroke") {
		t.Errorf("the idle warning outlived a keystroke:\n%s", v)
	}
}

// Goldens: the question over the panel, the shutdown and the idle warnings.
func TestGoldenQuitConfirmationOverSecret(t *testing.T) {
	s := secretShown(t, false)
	s.press(tea.KeyCtrlC)
	s.waitFor("Quit anyway? (y/N)")
	s.golden()
}

func TestGoldenCloseConfirmationInSecretPanel(t *testing.T) {
	s := secretShown(t, false)
	s.press(tea.KeyEsc)
	s.waitFor("Close anyway?")
	s.golden()
}

func TestGoldenShutdownWarning(t *testing.T) {
	s := secretShown(t, false)
	s.tm.Send(app.ShuttingDown{In: 10 * time.Second})
	s.waitFor("The server is shutting down")
	s.golden()
}

func TestGoldenIdleWarning(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	s.tm.Send(app.IdleWarning{Left: time.Minute})
	s.waitFor("without a keystroke")
	s.golden()
}
