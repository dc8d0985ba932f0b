package secret

import (
	"bytes"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/tui/app"
	statusline "github.com/apikeys-dev/apikeys/tui/components/status"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// A copy's status is numbered when the key is pressed, so a status issued
// before it (a bulk rotation's "Rotated 20 keys.") that arrives after it can't
// replace it: its command and the copy's run on goroutines of their own. Here
// the copy's command runs first, as it did on a loaded machine.
func TestSendStatusOutranksOneIssuedBefore(t *testing.T) {
	var out bytes.Buffer
	ctx := &app.Context{Output: &out}
	rotated := app.Info("Rotated 20 keys.")
	sent := Send(ctx, "A=apk_x\n", "1 secret as a NAME=SECRET line")

	line := statusline.New(styles.New(lipgloss.NewRenderer(&out)), nil)
	line.Update(sent())
	line.Update(rotated())
	got := line.View(200)
	if !bytes.Contains([]byte(got), []byte("Sent 1 secret")) {
		t.Fatalf("the status line shows %q; want the copy's status, issued last", got)
	}
}
