package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// usesCounted is a fake client that counts its UsageTotals calls.
type usesCounted struct {
	*fake.Client
	n atomic.Int32
}

func (c *usesCounted) UsageTotals(ctx context.Context, days int) (map[string]model.UsageTotal, error) {
	c.n.Add(1)
	return c.Client.UsageTotals(ctx, days)
}

func startCounted(t *testing.T, w, h int) (*user, *usesCounted) {
	t.Helper()
	c := &usesCounted{Client: fake.Hygiene(t, fake.Owner)}
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip})
	return &user{t: t, tm: runSettling(t, m, w, h), c: c.Client, clip: clip, w: w, h: h, model: m}, c
}

// From 120 columns the list shows every key's uses in the last 30 days.
func TestGoldenKeysUses30d(t *testing.T) {
	s := startHygiene(t, 120, 36)
	s.waitFor("Uses (30d)")
	s.golden()
}

// The uses come behind the first frame: the list shows at once, the column
// blank until the one read answers.
func TestKeysUsesBehindTheFirstFrame(t *testing.T) {
	c := fake.Hygiene(t, fake.Owner)
	release := c.Hold("UsageTotals")
	s := start(t, c, 120, 36)
	s.waitFor("SIEM audit stream")
	s.shows("Uses (30d)")
	if row := rowOf(s.ask(frameProbe{}), "SIEM audit stream"); strings.Contains(row, "44") {
		t.Fatalf("uses shown before they were read: %q", row)
	}
	release()
	s.shows(" 44 ")
	s.finish()
}

// Narrower than 120 columns the column is hidden and nothing is read for it;
// widened, it is read once; ctrl+r reads it again.
func TestKeysUsesHiddenWhenNarrow(t *testing.T) {
	s, c := startCounted(t, 80, 24)
	s.listed()
	s.down(2)
	s.shows("API Keys")
	if n := c.n.Load(); n != 0 {
		t.Fatalf("%d reads of the uses at 80 columns", n)
	}
	if v := s.ask(frameProbe{}); strings.Contains(v, "Uses (30d)") {
		t.Fatalf("the column shows at 80 columns:\n%s", v)
	}
	s.tm.Send(tea.WindowSizeMsg{Width: 120, Height: 36})
	s.w, s.h = 120, 36
	s.down(1) // the page hears of the width with its next message
	s.shows(" 44 ")
	s.typ("k")
	s.shows("Uses (30d)")
	if n := c.n.Load(); n != 1 {
		t.Fatalf("%d reads of the uses once wide, want 1", n)
	}
	s.press(tea.KeyCtrlR)
	s.said("Reloaded.")
	deadline := time.Now().Add(testkit.WaitTimeout)
	for c.n.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d reads of the uses after ctrl+r, want 2", c.n.Load())
		}
		s.typ("j")
		s.shows("Uses (30d)")
	}
	s.finish()
}

// rowOf is the frame's line holding text.
func rowOf(frame, text string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}
