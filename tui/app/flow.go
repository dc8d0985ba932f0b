package app

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Flow is one thing the member is in the middle of — a form, a confirmation, the
// secret panel, details, a bulk run — pushed by a page (or by another flow) on
// that page's stack with Push, and ended by itself with Close, whose result goes
// back to whoever pushed it. The root gives the top of the stack the keyboard,
// the pane, the help line and the width; the page under it keeps its list and
// is told only the result.
type Flow interface {
	// Init starts the flow once it is on the stack (a form focuses a field).
	Init() tea.Cmd
	// Update takes the keys meant for the flow (only the top of the stack
	// gets them) and every other message (all flows get those, and ignore
	// what isn't theirs).
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// ShortHelp is what the footer shows while the flow is on top.
	ShortHelp() []key.Binding
	// Capturing reports that the flow takes every key: typing, or a secret
	// that q or tab must not lose. Details don't: tab still reaches the
	// sidebar.
	Capturing() bool
	// FullWidth asks for the sidebar's room too (a secret must never be cut).
	FullWidth() bool
	// Precious says what ending the flow now would lose, as the start of a
	// question ("The secret of “ci” hasn't been copied."); "" when nothing
	// would be. The root asks before anything ends the program or pops the
	// flow while it says so.
	Precious() string
}

// Base gives a Flow the usual answers; a flow embeds it and overrides what
// differs.
type Base struct{}

// Init implements Flow.
func (Base) Init() tea.Cmd { return nil }

// Capturing implements Flow: most flows take every key.
func (Base) Capturing() bool { return true }

// FullWidth implements Flow.
func (Base) FullWidth() bool { return false }

// Precious implements Flow: nothing to lose.
func (Base) Precious() string { return "" }

// Pushed asks the root to put Flow on the stack of From, a Page or a Flow
// already on a stack; Flow's Close later delivers a Pop to From.
type Pushed struct {
	From any
	Flow Flow
}

// Push is a command that pushes f above from (the page or flow pushing it).
func Push(from any, f Flow) tea.Cmd {
	return func() tea.Msg { return Pushed{From: from, Flow: f} }
}

// Pop is how a flow ends: the root takes Flow off its stack (asking first if
// it is still Precious) and then hands this same message to whoever pushed it,
// whose Update switches on Result.
type Pop struct {
	Flow   Flow
	Result any // nil: cancelled, nothing to report
	// Then, when set, takes Flow's place on the stack in the same step, for
	// whoever pushed Flow: a form that made a secret hands it to the secret
	// panel with no moment in between where nothing precious is on screen.
	Then Flow
}

// Close is a command that ends f with result.
func Close(f Flow, result any) tea.Cmd {
	return func() tea.Msg { return Pop{Flow: f, Result: result} }
}

// Hand is a command that ends f with result and puts next in its place.
func Hand(f Flow, result any, next Flow) tea.Cmd {
	return func() tea.Msg { return Pop{Flow: f, Result: result, Then: next} }
}
