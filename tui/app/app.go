// Package app holds what every part of the TUI shares: the Context handed to each
// page and component (size, styles, keymap, client, clock), the Page interface the
// root model drives, and the messages pages and root exchange.
package app

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// CallTimeout bounds one backend call, so a stuck store shows an error instead of
// a spinner forever.
const CallTimeout = 30 * time.Second

// Context is the shared context of one TUI program (one terminal, one SSH
// session). The root model owns it and is the only one that changes it, in Update;
// pages read it. Commands must copy what they need before they run.
type Context struct {
	Client client.Client
	Styles *styles.Styles
	Keys   *keymap.KeyMap
	Output io.Writer // where OSC 52 clipboard sequences go
	// Env is the terminal's environment (TERM, TMUX, STY): whether OSC 52 must
	// be wrapped to get through tmux or screen.
	Env []string
	// Local is a session on the member's own machine (not over SSH): files
	// written are theirs.
	Local bool
	clock func() time.Time

	// Base is cancelled when the program ends, abandoning calls in flight.
	Base context.Context

	// Width and Height are the terminal's size.
	Width, Height int

	// Me and Workspace are known once SignedIn arrives.
	Me        model.Member
	Workspace model.Workspace
	Policy    model.ExpiryPolicy
}

// NewContext builds a Context. clock nil means the client's clock.
func NewContext(base context.Context, c client.Client, s *styles.Styles, k *keymap.KeyMap, clock func() time.Time, out io.Writer) *Context {
	if clock == nil {
		clock = c.Now
	}
	if out == nil {
		out = io.Discard
	}
	return &Context{Client: c, Styles: s, Keys: k, clock: clock, Output: out, Base: base, Policy: c.Policy()}
}

// Now is the TUI's clock: what "in 12 days" and "2h ago" are measured from.
func (c *Context) Now() time.Time { return c.clock() }

// Can reports whether the signed-in member may do act (on key type kt). The
// backend decides; this only hides what it would refuse.
func (c *Context) Can(act model.Action, kt model.KeyType) bool {
	return model.Can(c.Me.AccountType, act, kt)
}

// Page is a screen of the main pane. Pages are small models: the root sends them
// their size, the keys meant for them and every non-key message.
type Page interface {
	tea.Model
	// SetSize gives the page the main pane's inner size.
	SetSize(width, height int)
	// Title is the page's name in the sidebar.
	Title() string
	// Capturing reports that a form or a filter field has the keyboard: the root
	// then passes every key through, so "q" types a q instead of quitting.
	Capturing() bool
	// ShortHelp is what the footer shows now; FullHelp groups every binding of
	// the page for "?".
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// SignedIn is sent once the signed-in member and the workspace are known; pages
// check permissions and load their data then.
type SignedIn struct {
	Me        model.Member
	Workspace model.Workspace
}

// Changed is what the change feed said since the last Changed: rows changed
// anywhere (this session, the CLI, another admin, another instance). Pages and
// flows showing one of them read it again, quietly.
type Changed struct{ Notices []client.Notice }

// About reports whether the notices may concern a row of this kind with this
// id ("" any): a notice about it, or a resync (anything may have changed).
func (c Changed) About(kind client.NoticeKind, id string) bool {
	for _, n := range c.Notices {
		if n.Kind == client.NoticeResync || n.Kind == kind && (id == "" || n.ID == id) {
			return true
		}
	}
	return false
}

// Activated tells a page it is now shown, so it can load lazily.
type Activated struct{}

// Reload asks the shown page and the flow on top of it to fetch their data
// again (ctrl+r).
type Reload struct{}

// Started says a backend call began; the status line spins until its Done.
type Started struct{ Label string }

// Done is the result of a backend call made with Call. Msg identifies the call
// for the page that made it, even when Err is set.
type Done struct {
	Label string
	Msg   tea.Msg
	Err   error
}

// Status puts a message in the status line.
type Status struct {
	Text  string
	Error bool
	// Issued numbers the message when Info, Fail, Problem or Later made it,
	// on the UI goroutine. Commands run on goroutines of their own, so the
	// statuses of two quick presses (s, S), or of a rotation's end and the C
	// pressed right after it, can arrive in either order; the status line
	// keeps the later-issued one. Zero (a status sent straight to the line,
	// never from a command): shown whenever it arrives. A command's status is
	// never a literal: TestStatusesFromCommandsAreNumbered holds the rule.
	Issued uint64
}

// issued numbers statuses in the order Update made them, across sessions
// (only their order within one matters).
var issued atomic.Uint64

// Info is a command that shows text in the status line.
func Info(text string) tea.Cmd { return issue(Status{Text: text}) }

// Fail is a command that shows err's message in the status line.
func Fail(err error) tea.Cmd { return issue(Status{Text: Message(err), Error: true}) }

// Problem is a command that shows text in the status line as an error.
func Problem(text string) tea.Cmd { return issue(Status{Text: text, Error: true}) }

// issue is a command that shows s, numbered now.
func issue(s Status) tea.Cmd {
	stamp := Later()
	return func() tea.Msg { return stamp(s) }
}

// Later numbers a status now, for a command that decides it only when it runs
// (a clipboard write, a read that may fail): call it in Update, and the
// function it returns stamps the status the command returns.
func Later() func(Status) Status {
	n := issued.Add(1)
	return func(s Status) Status {
		s.Issued = n
		return s
	}
}

// Message is an error as the status line shows it: model errors are written for
// people already; anything else gets a prefix saying it is unexpected.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var text string
	switch {
	case model.KindOf(err) != model.KindInternal:
		text = err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		// Stores wrap what the driver returns ("sqlite: list keys: context
		// deadline exceeded"): only errors.Is sees through to the timeout.
		text = "The backend did not answer in time; press ctrl+r to retry."
	default:
		text = "Unexpected error: " + err.Error()
	}
	return model.Sanitize(text)
}

// Call runs fn as a backend call off the UI goroutine, with a timeout and the
// program's cancellation. The status line spins while it runs; the result comes
// back as a Done carrying fn's message and error.
func (c *Context) Call(label string, fn func(ctx context.Context) (tea.Msg, error)) tea.Cmd {
	return tea.Sequence(func() tea.Msg { return Started{Label: label} }, c.Quiet(label, fn))
}

// Quiet is Call without the spinner: the status line keeps what it says (an
// error the admin is reading) unless this call fails too.
func (c *Context) Quiet(label string, fn func(ctx context.Context) (tea.Msg, error)) tea.Cmd {
	base := c.Base
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, CallTimeout)
		defer cancel()
		msg, err := fn(ctx)
		return Done{Label: label, Msg: msg, Err: err}
	}
}
