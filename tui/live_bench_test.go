package tui

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// From a change committed by another process on the same data directory (the
// CLI renaming a key) to the frame that shows it, through the store's change
// feed, a quiet reload of the list and a redraw: the time per op is that
// latency, as the terminal would see it (frames are checked every
// millisecond). SPEC: within a second.
func BenchmarkChangeElsewhereOnScreen(b *testing.B) {
	c := fake.Sample(b, fake.Owner)
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }})
	tm := teatest.NewTestModel(b, m, teatest.WithInitialTermSize(gw, gh))
	wait := func(text string) {
		teatest.WaitFor(b, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte(text)) },
			teatest.WithCheckInterval(time.Millisecond), teatest.WithDuration(testkit.WaitTimeout))
	}
	wait("Billing import")
	cli := c.Elsewhere(fake.WorkspaceAdmin)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		k, err := cli.GetKey(ctx, "key_billing")
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("Renamed elsewhere %d", i)
		if _, err := cli.EditKey(ctx, k.ID, client.EditKeyRequest{Name: &name, Version: k.Version}); err != nil {
			b.Fatal(err)
		}
		wait(name)
	}
	_ = tm.Quit()
}
