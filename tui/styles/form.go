package styles

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// formTheme is a huh theme made only of styles from r. It follows huh's base
// layout (thick left bar on the focused field, hidden bar on the others) so forms
// look familiar, but the selected button and option carry a marker too: under an
// ASCII profile (NO_COLOR) colour is gone and "›" is what shows the choice.
func formTheme(r *lipgloss.Renderer, hs help.Styles) *huh.Theme {
	n := r.NewStyle
	var t huh.Theme

	t.Form.Base = n()
	t.Group.Base = n()
	t.Group.Title = n().Foreground(colAccent).Bold(true)
	t.Group.Description = n().Foreground(colSubtle)
	t.FieldSeparator = n().SetString("\n\n")
	t.Help = hs

	button := n().Padding(0, 1).MarginRight(1)
	f := &t.Focused
	f.Base = n().PaddingLeft(1).BorderStyle(lipgloss.ThickBorder()).BorderLeft(true).BorderForeground(colAccent)
	f.Card = f.Base
	f.Title = n().Foreground(colAccent).Bold(true)
	f.NoteTitle = n().Foreground(colAccent).Bold(true).MarginBottom(1)
	f.Description = n().Foreground(colSubtle)
	f.ErrorIndicator = n().Foreground(colError).SetString(" ✗")
	f.ErrorMessage = n().Foreground(colError).SetString("✗")
	f.SelectSelector = n().Foreground(colAccent2).SetString("› ")
	f.Option = n().Foreground(colText)
	f.NextIndicator = n().Foreground(colAccent2).MarginLeft(1).SetString("→")
	f.PrevIndicator = n().Foreground(colAccent2).MarginRight(1).SetString("←")
	f.Directory = n().Foreground(colAccent)
	f.File = n().Foreground(colText)
	f.MultiSelectSelector = n().Foreground(colAccent2).SetString("› ")
	f.SelectedOption = n().Foreground(colOK)
	f.SelectedPrefix = n().Foreground(colOK).SetString("[x] ")
	f.UnselectedOption = n().Foreground(colText)
	f.UnselectedPrefix = n().Foreground(colSubtle).SetString("[ ] ")
	f.TextInput.Cursor, f.TextInput.CursorText = cursor(r)
	f.TextInput.Placeholder = n().Foreground(colFaint)
	f.TextInput.Prompt = n().Foreground(colAccent2)
	f.TextInput.Text = n().Foreground(colText)
	f.FocusedButton = button.Foreground(colBtnFg).Background(colAccent2).Bold(true).SetString("›")
	f.BlurredButton = button.Foreground(colText).Background(colSelBg).SetString(" ")
	f.Next = f.FocusedButton

	t.Blurred = t.Focused
	b := &t.Blurred
	b.Base = f.Base.BorderStyle(lipgloss.HiddenBorder())
	b.Card = b.Base
	b.Title = n().Foreground(colSubtle).Bold(true)
	b.NextIndicator = n()
	b.PrevIndicator = n()
	// A field without the keyboard shows no cursor, not even a block.
	b.TextInput.Cursor, b.TextInput.CursorText = n(), n()
	return &t
}

// cursor is the style of a text field's cursor and of the character under it
// while the cursor blinks off. bubbles draws the cursor in reverse video, but
// under the Ascii profile (NO_COLOR, TERM=dumb, TERM=screen) no SGR survives,
// not even reverse, and the cursor vanished. There it is a block glyph, which
// covers the character under it while blinking on; at the end of the text it
// stays on, so the field always shows where typing goes.
func cursor(r *lipgloss.Renderer) (on, off lipgloss.Style) {
	n := r.NewStyle
	if r.ColorProfile() != termenv.Ascii {
		return n().Foreground(colOK), n()
	}
	return n().Transform(func(string) string { return block }),
		n().Transform(func(s string) string {
			if s == " " {
				return block
			}
			return s
		})
}

const block = "█"
