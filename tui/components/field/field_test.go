package field_test

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/tui/components/field"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Without colour the field still shows its prompt, placeholder and where
// the cursor is; the cursor doesn't blink (a frame a second for nothing).
func TestFieldWithoutColour(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	f := field.New(styles.New(r), "Filter: ", "name, type")
	if f.Cursor.Mode() != cursor.CursorStatic {
		t.Errorf("cursor mode %v, want static", f.Cursor.Mode())
	}
	f.Focus()
	f.SetValue("ab")
	if v := f.View(); !strings.HasPrefix(v, "Filter: ab█") {
		t.Errorf("view %q", v)
	}
	f.SetValue("")
	if v := f.View(); !strings.Contains(v, "ame, type") {
		t.Errorf("empty view %q: no placeholder", v)
	}
}
