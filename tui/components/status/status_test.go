package status

import (
	"errors"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// line is a status line on a test clock whose timers are recorded, not run:
// the test delivers each Fade itself, when it chooses.
type line struct {
	Model
	clock  *testkit.Clock
	timers []time.Duration
	fades  []Fade
}

func newLine() *line {
	l := &line{clock: testkit.NewClock(time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC))}
	l.Model = New(styles.New(lipgloss.NewRenderer(io.Discard)), l.clock.Now)
	l.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		l.timers = append(l.timers, d)
		l.fades = append(l.fades, fn(time.Time{}).(Fade))
		return func() tea.Msg { return nil }
	}
	return l
}

// ring delivers the last timer's Fade.
func (l *line) ring() { l.Update(l.fades[len(l.fades)-1]) }

func TestAMessageFades(t *testing.T) {
	tests := []struct {
		name string
		put  tea.Msg
		text string
		life time.Duration
	}{
		{"info", app.Status{Text: "Created “Deploy bot”."}, "Created “Deploy bot”.", FadeAfter},
		{"error", app.Status{Text: "Name is required.", Error: true}, "Name is required.", ErrorFadeAfter},
		{"failed call", app.Done{Err: model.Invalid("name", "Name is required.")}, "Name is required.", ErrorFadeAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLine()
			if l.Update(tt.put) == nil || len(l.timers) != 1 || l.timers[0] != tt.life {
				t.Fatalf("timers %v after a message, want one of %s", l.timers, tt.life)
			}
			// The timer rang early by the clock (a machine late, a clock
			// moved): the message stays, and a timer for the rest starts.
			l.clock.Add(tt.life - time.Second)
			l.ring()
			if l.Text() != tt.text {
				t.Fatalf("text %q a second before its time, want %q", l.Text(), tt.text)
			}
			if len(l.timers) != 2 || l.timers[1] != time.Second {
				t.Fatalf("timers %v, want a second one for the last second", l.timers)
			}
			l.clock.Add(time.Second)
			l.ring()
			if l.Text() != "" {
				t.Errorf("text %q after %s, want it gone", l.Text(), tt.life)
			}
		})
	}
}

// A Fade for a message that has been replaced leaves the new one alone, and a
// cleared line starts no timer.
func TestANewerMessageKeepsItsTime(t *testing.T) {
	l := newLine()
	l.Update(app.Status{Text: "Saved."})
	l.clock.Add(4 * time.Second)
	l.Update(app.Status{Text: "Deleted."})
	l.clock.Add(2 * time.Second)
	l.Update(l.fades[0]) // the first message's timer
	if l.Text() != "Deleted." {
		t.Fatalf("text %q: the first message's timer cleared the second", l.Text())
	}
	l.ring()
	if l.Text() != "Deleted." {
		t.Fatalf("text %q two seconds after it was put up", l.Text())
	}
	l.clock.Add(3 * time.Second)
	l.ring()
	if l.Text() != "" {
		t.Errorf("text %q five seconds after it was put up", l.Text())
	}
	n := len(l.timers)
	if l.Update(app.Status{}) != nil || len(l.timers) != n {
		t.Error("clearing the line started a timer")
	}
	if l.Update(app.Done{Err: errors.New("boom")}) == nil {
		t.Error("a failed call's error has no timer")
	}
}

// Two statuses issued in order and delivered out of it (their commands run
// on goroutines of their own): the later-issued one stays up.
func TestLaterIssuedStatusWins(t *testing.T) {
	l := New(styles.New(lipgloss.NewRenderer(io.Discard)), func() time.Time { return time.Unix(0, 0) })
	first, second := app.Info("Sorted by type ▲."), app.Info("Sorted by type ▼.")
	l.Update(second())
	l.Update(first())
	if got := l.Text(); got != "Sorted by type ▼." {
		t.Fatalf("status %q after the earlier-issued status arrived last, want the later one", got)
	}
	l.Update(app.Status{Text: "Unnumbered."})
	if got := l.Text(); got != "Unnumbered." {
		t.Fatalf("status %q, want an unnumbered status shown whenever it arrives", got)
	}
}
