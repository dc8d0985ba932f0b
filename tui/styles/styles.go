// Package styles holds every lipgloss style of the TUI, built from one
// *lipgloss.Renderer. Locally that is lipgloss.DefaultRenderer(); over SSH it is the
// session's own, so each admin gets styles for their own terminal (colour profile,
// background, NO_COLOR) and nothing is shared between sessions.
package styles

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Palette: adaptive colours, so light and dark terminals both read well. Colour is
// always a second signal: every state also has a word or a marker.
var (
	colText    = lipgloss.AdaptiveColor{Light: "235", Dark: "252"}
	colSubtle  = lipgloss.AdaptiveColor{Light: "244", Dark: "243"}
	colFaint   = lipgloss.AdaptiveColor{Light: "250", Dark: "238"}
	colAccent  = lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#8B87FF"}
	colAccent2 = lipgloss.AdaptiveColor{Light: "#B0308C", Dark: "#F780E2"}
	colOK      = lipgloss.AdaptiveColor{Light: "#027A55", Dark: "#02BF87"}
	colWarn    = lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#E8B339"}
	colError   = lipgloss.AdaptiveColor{Light: "#C4254C", Dark: "#ED567A"}
	colSelBg   = lipgloss.AdaptiveColor{Light: "254", Dark: "236"}
	colBtnFg   = lipgloss.AdaptiveColor{Light: "#FFFDF5", Dark: "#FFFDF5"}
)

// Styles is every style the TUI draws with. Build it with New; never copy styles
// from the lipgloss package-level functions.
type Styles struct {
	r *lipgloss.Renderer

	// Plain text weights.
	Text, Subtle, Faint, Bold, Accent lipgloss.Style
	// States, always paired with a word or marker.
	OK, Warn, Error lipgloss.Style

	// Frame.
	Header, HeaderTitle, HeaderDim lipgloss.Style
	Sidebar, SidebarFocused        lipgloss.Style
	SidebarTitle                   lipgloss.Style
	SidebarItem, SidebarActive     lipgloss.Style
	Pane                           lipgloss.Style
	PageTitle                      lipgloss.Style

	// Table.
	TableHeader, Row, RowSelected, RowDim lipgloss.Style

	// Cursor is a text field's cursor, visible without colour too (a block
	// under the Ascii profile): for a bubbles textinput in static cursor mode.
	Cursor lipgloss.Style

	// Details: "Label  value" pairs.
	Label, Value lipgloss.Style

	// The one-time secret panel.
	SecretBox, SecretText lipgloss.Style

	// Footer.
	StatusInfo, StatusError, Spinner lipgloss.Style
	Help                             help.Styles
	FullHelpKey, FullHelpDesc        lipgloss.Style
	FullHelpGroup                    lipgloss.Style

	// Form is the huh theme, built from the same renderer: huh's own themes use
	// the default renderer and would paint the server's colours over SSH.
	Form *huh.Theme
}

// New builds the styles for one renderer.
func New(r *lipgloss.Renderer) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	s := &Styles{r: r}
	n := r.NewStyle

	s.Text = n().Foreground(colText)
	s.Subtle = n().Foreground(colSubtle)
	s.Faint = n().Foreground(colFaint)
	s.Bold = n().Bold(true)
	s.Accent = n().Foreground(colAccent).Bold(true)
	s.OK = n().Foreground(colOK)
	s.Warn = n().Foreground(colWarn)
	s.Error = n().Foreground(colError)

	s.Header = n().Padding(0, 1)
	s.HeaderTitle = n().Foreground(colAccent).Bold(true)
	s.HeaderDim = n().Foreground(colSubtle)
	s.Sidebar = n().Border(lipgloss.NormalBorder(), false, true, false, false).
		BorderForeground(colFaint).PaddingRight(1)
	s.SidebarFocused = s.Sidebar.BorderForeground(colAccent)
	s.SidebarTitle = n().Foreground(colSubtle).Bold(true)
	s.SidebarItem = n().Foreground(colText)
	s.SidebarActive = n().Foreground(colAccent2).Bold(true)
	s.Pane = n().PaddingLeft(1)
	s.PageTitle = n().Foreground(colAccent).Bold(true)

	s.TableHeader = n().Foreground(colSubtle).Bold(true)
	s.Row = n().Foreground(colText)
	s.RowSelected = n().Foreground(colAccent2).Background(colSelBg).Bold(true)
	s.RowDim = n().Foreground(colSubtle)

	s.Cursor = s.Accent
	if r.ColorProfile() == termenv.Ascii {
		s.Cursor, _ = cursor(r)
	}

	s.Label = n().Foreground(colSubtle)
	s.Value = n().Foreground(colText)

	s.SecretBox = n().Border(lipgloss.RoundedBorder()).BorderForeground(colWarn).Padding(0, 1)
	s.SecretText = n().Foreground(colOK).Bold(true)

	s.StatusInfo = n().Foreground(colSubtle)
	s.StatusError = n().Foreground(colError).Bold(true)
	s.Spinner = n().Foreground(colAccent2)
	s.Help = help.Styles{
		Ellipsis:       n().Foreground(colFaint),
		ShortKey:       n().Foreground(colSubtle).Bold(true),
		ShortDesc:      n().Foreground(colSubtle),
		ShortSeparator: n().Foreground(colFaint),
		FullKey:        n().Foreground(colSubtle).Bold(true),
		FullDesc:       n().Foreground(colSubtle),
		FullSeparator:  n().Foreground(colFaint),
	}
	s.FullHelpKey = n().Foreground(colAccent).Bold(true)
	s.FullHelpDesc = n().Foreground(colText)
	s.FullHelpGroup = n().Foreground(colSubtle).Bold(true)

	s.Form = formTheme(r, s.Help)
	return s
}

// Renderer is the renderer the styles were built from; components that make a
// style of their own (a width, a margin) start from Renderer().NewStyle().
func (s *Styles) Renderer() *lipgloss.Renderer { return s.r }
