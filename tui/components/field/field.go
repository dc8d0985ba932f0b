// Package field is the one-line text field of the TUI's pages and panels
// (a list's filter, the secret panel's file path): the theme's styles and a
// static cursor that shows where it is without colour (a block under
// NO_COLOR), in one place rather than copied into each.
package field

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"

	"github.com/apikeys-dev/apikeys/tui/styles"
)

// New is a text field that reads "prompt" and shows placeholder while empty;
// it is not focused yet.
func New(st *styles.Styles, prompt, placeholder string) textinput.Model {
	f := textinput.New()
	f.Prompt = prompt
	f.Placeholder = placeholder
	f.PromptStyle = st.Accent
	f.TextStyle = st.Text
	f.PlaceholderStyle = st.Faint
	f.Cursor.Style = st.Cursor
	f.Cursor.TextStyle = st.Text
	f.Cursor.SetMode(cursor.CursorStatic)
	return f
}
