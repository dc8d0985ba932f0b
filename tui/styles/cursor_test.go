package styles

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return r
}

// A focused text field shows its cursor without colour (NO_COLOR, TERM=dumb and
// TERM=screen all get the Ascii profile) as a block; with colour, as reverse
// video. A field without the keyboard shows none.
func TestTextFieldCursorWithoutColour(t *testing.T) {
	field := func(p termenv.Profile, focused bool) string {
		v := "Deploy bot"
		in := huh.NewInput().Title("Name").Value(&v)
		in.WithTheme(New(renderer(p)).Form)
		if focused {
			in.Focus()
		}
		return in.View()
	}
	if got := field(termenv.Ascii, true); !strings.Contains(got, "> Deploy bot█") {
		t.Errorf("Ascii, focused: no block after the text:\n%s", got)
	}
	if got := field(termenv.Ascii, false); strings.Contains(got, "█") {
		t.Errorf("Ascii, blurred: a cursor shows:\n%s", got)
	}
	if got := field(termenv.ANSI256, true); !strings.Contains(got, "\x1b[7;") || strings.Contains(got, "█") {
		t.Errorf("ANSI256, focused: want reverse video, no block: %q", got)
	}
	if got := ansi.Strip(New(renderer(termenv.Ascii)).Cursor.Render(" ")); got != "█" {
		t.Errorf("Styles.Cursor under Ascii renders %q, want a block", got)
	}
}
