// Package tui is the apikeys terminal UI: a root model with a header, the
// "Workspace settings" sidebar, the page of the selected entry, and a footer with
// the help that applies now and a status line. It talks to the workspace only
// through client.Client, and draws only with styles built from the renderer it is
// given, so one process can serve many SSH sessions with their own terminals.
package tui

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/status"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/allowlists"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys"
	"github.com/apikeys-dev/apikeys/tui/pages/audit"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
	"github.com/apikeys-dev/apikeys/tui/pages/members"
	"github.com/apikeys-dev/apikeys/tui/pages/webhooks"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Options configure the TUI.
type Options struct {
	Client   client.Client
	Renderer *lipgloss.Renderer // local: lipgloss.DefaultRenderer(); over SSH: the session's
	Clock    func() time.Time   // nil: Client.Now
	Output   io.Writer          // where OSC 52 clipboard sequences go
	// Context bounds every backend call; over SSH it is the session's, so calls in
	// flight end with the session. nil: context.Background().
	Context context.Context
	// Environ is the terminal's environment (TERM, TMUX, STY; over SSH the
	// session's, with the PTY's TERM): how OSC 52 is wrapped to get through
	// tmux or screen. nil: not wrapped.
	Environ []string
	// Welcome, when set, is the first local run's: a panel says what was set
	// up, over the API Keys page, until enter or esc.
	Welcome *flows.WelcomeInfo
	// Mouse turns mouse reporting on: a click selects a row or a sidebar
	// entry, the wheel scrolls (mouse.go). The terminal then leaves text
	// selection to shift+drag, which is why it can be turned off
	// (--no-mouse).
	Mouse bool
	// Local says the TUI runs on the member's own machine, not over SSH: only
	// then may it offer to write secrets to a file (the file would be on the
	// machine the TUI runs on).
	Local bool
}

// Model is the root model.
type Model struct {
	ctx    *app.Context
	cancel context.CancelFunc

	pages    []app.Page
	sizes    [][2]int  // the size each page was last given
	stacks   [][]entry // the flows above each page (stack.go)
	active   int
	sidebar  bool // the sidebar has the keyboard
	fullHelp bool
	helpTop  int // scroll of the full help

	mouseOn    bool // Options.Mouse
	signedIn   bool
	welcome    *flows.WelcomeInfo // shown once signed in, then nil
	sessionErr error
	banner     string // "3 keys expire within 7 days", or ""
	bannerSeq  int    // the last count asked for
	// counting: a count is on its way; countAgain: something answered
	// meanwhile, so one more follows it (a million keys read in 50 parts
	// asked for 50 counts, each a read of every key expiring soon).
	counting, countAgain bool

	// Ending (ending.go): the question asked before quitting would lose
	// something precious, and what the server said about ending the session.
	asking      string
	askPop      *app.Pop // the pop asking is about; nil: about quitting
	shutdown    bool
	notice      string
	idleWarning bool

	status status.Model
	help   help.Model

	// feed is the change feed when the client has one (client.Changes).
	feed <-chan client.Notice

	// Parts of the frame kept between frames (framecache.go).
	headerMemo, helpMemo memo
	sidebarMemo          struct {
		key   string
		lines []string
		width int // of every line, or -1
	}
}

// New builds the root model. The caller runs it with tea.WithAltScreen().
func New(o Options) tea.Model {
	r := o.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	st := styles.New(r)
	parent := o.Context
	if parent == nil {
		parent = context.Background()
	}
	base, cancel := context.WithCancel(parent)
	ctx := app.NewContext(base, o.Client, st, keymap.Default(), o.Clock, o.Output)
	pages := []app.Page{members.New(ctx), audit.New(ctx)}
	if h, ok := o.Client.(client.Webhooks); ok {
		pages = append(pages, webhooks.New(ctx, h))
	}
	if a, ok := o.Client.(client.AllowLists); ok {
		pages = append(pages, allowlists.New(ctx, a))
	}
	pages = append(pages, apikeys.New(ctx)) // API Keys last, selected at start
	ctx.Env = o.Environ
	ctx.Local = o.Local
	m := &Model{
		ctx:     ctx,
		cancel:  cancel,
		pages:   pages,
		active:  len(pages) - 1,
		status:  status.New(st, ctx.Now),
		help:    help.New(),
		welcome: o.Welcome,
		mouseOn: o.Mouse,
	}
	m.sizes = make([][2]int, len(m.pages))
	m.stacks = make([][]entry, len(m.pages))
	if f, ok := o.Client.(client.Changes); ok {
		// Subscribed before the first list is read, so no change falls
		// between the read and the feed.
		m.feed = f.Subscribe(base)
	}
	m.help.Styles = st.Help
	m.help.Ellipsis = "…"
	return m
}

// Init signs in: who the member is and which workspace, then the pages load.
func (m *Model) Init() tea.Cmd {
	c := m.ctx.Client
	cmds := []tea.Cmd{m.ctx.Call("Signing in", func(ctx context.Context) (tea.Msg, error) {
		me, err := c.Me(ctx)
		if err != nil {
			return app.SignedIn{}, err
		}
		ws, err := c.Workspace(ctx)
		return app.SignedIn{Me: me, Workspace: ws}, err
	}), m.listen(), m.mouseCmd()}
	for _, p := range m.pages {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}

// Update routes: window size to everyone, then global keys, then the top of
// the focused page's stack (a flow, or the page itself); while that takes
// every key (a form, a filter, a secret) it gets them all but ctrl+c.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.ctx.Width, m.ctx.Height = min(msg.Width, maxWidth), min(msg.Height, maxHeight)
	case tea.KeyMsg:
		if m.idleWarning {
			m.idleWarning, m.notice = false, ""
		}
		cmd = m.presses(msg)
	case tea.MouseMsg:
		cmd = m.mouse(msg)
	case app.Quit, app.ShuttingDown, app.IdleWarning:
		cmd = m.ending(msg)

	case app.Started, app.Status, spinner.TickMsg, status.Fade:
		cmd = m.status.Update(msg)
	case app.Done:
		cmd = tea.Batch(m.status.Update(msg), m.done(msg), m.broadcast(msg))
	case app.Pushed:
		cmd = m.push(msg)
	case app.Pop:
		cmd = m.pop(msg, false)
	case app.Changed:
		cmd = tea.Batch(m.broadcast(msg), m.listen())
		if m.signedIn && msg.About(client.NoticeMember, m.ctx.Me.ID) {
			cmd = tea.Batch(cmd, m.rereadMe())
		}
		if msg.About(client.NoticeKey, "") {
			cmd = tea.Batch(cmd, m.countExpiring())
		}
	case bannerCount:
		// Counts asked for at once may come back in any order: the last
		// asked is the one that saw the latest change.
		if msg.seq == m.bannerSeq && !msg.failed {
			m.banner = model.ExpiryBanner(msg.n)
		}
		m.counting = false
		if m.countAgain {
			m.countAgain = false
			cmd = m.countExpiring()
		}
	default:
		cmd = m.broadcast(msg)
	}
	m.layout()
	if m.shutdown && m.precious() == "" {
		// What held the session open is dealt with: let the server go.
		return m, tea.Batch(cmd, m.end())
	}
	return m, cmd
}

// done handles the sign-in; every other result belongs to a page.
func (m *Model) done(d app.Done) tea.Cmd {
	if r, ok := d.Msg.(meRead); ok {
		if d.Err != nil {
			return nil // a member deactivated elsewhere: the session is ending
		}
		return m.followMe(r)
	}
	s, ok := d.Msg.(app.SignedIn)
	if !ok {
		// Any answer from the backend may follow a change to keys: count again.
		return m.countExpiring()
	}
	if d.Err != nil {
		m.sessionErr = d.Err
		return nil
	}
	m.signedIn, m.sessionErr = true, nil
	m.ctx.Me, m.ctx.Workspace = s.Me, s.Workspace
	var welcome tea.Cmd
	if m.welcome != nil {
		welcome = app.Push(m.pages[m.active], flows.NewWelcome(m.ctx, *m.welcome))
		m.welcome = nil
	}
	// The banner is counted after the first answer (any answer counts
	// again), not beside the first page's read: at a million keys the count
	// took the CPU the first frame waited for.
	return tea.Batch(m.broadcast(s), m.send(m.active, app.Activated{}), welcome)
}

// broadcast gives msg to every page and every flow.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, len(m.pages)+1)
	for i := range m.pages {
		cmds[i] = m.send(i, msg)
	}
	cmds[len(m.pages)] = m.flows(func(f app.Flow) tea.Cmd { return f.Update(msg) })
	return tea.Batch(cmds...)
}

// listen waits for the change feed's next notices, and takes every one
// already waiting with it: one Changed for a burst.
func (m *Model) listen() tea.Cmd {
	ch := m.feed
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		n, ok := <-ch
		if !ok {
			return nil
		}
		ns := []client.Notice{n}
		for len(ns) < 1024 {
			select {
			case n, ok := <-ch:
				if !ok {
					return app.Changed{Notices: ns}
				}
				ns = append(ns, n)
				continue
			default:
			}
			break
		}
		return app.Changed{Notices: ns}
	}
}

// toTop sends a key to the top of the active page's stack.
func (m *Model) toTop(k tea.KeyMsg) tea.Cmd {
	if f := m.top(m.active); f != nil {
		return f.Update(k)
	}
	return m.send(m.active, k)
}

// capturing reports that the top of the active page's stack takes every key.
func (m *Model) capturing() bool {
	if f := m.top(m.active); f != nil {
		return f.Capturing()
	}
	return m.pages[m.active].Capturing()
}

func (m *Model) send(i int, msg tea.Msg) tea.Cmd {
	p, cmd := m.pages[i].Update(msg)
	m.pages[i] = p.(app.Page)
	return cmd
}

// presses takes a key message as the presses it holds. Keys typed faster
// than the terminal is read arrive as one message of several runes ("ss"):
// each is a press of its own wherever keys are commands, so ss sorts twice as
// s, s does, and jj moves two rows. Into a text field (and a paste) the runes
// go together, as typed: from the first rune that finds one taking every key
// (/ then the filter's text), the rest go there as one. What the presses ask
// for runs in their order.
func (m *Model) presses(k tea.KeyMsg) tea.Cmd {
	if k.Type != tea.KeyRunes || len(k.Runes) < 2 || k.Paste {
		return m.key(k)
	}
	var cmds []tea.Cmd
	for i, r := range k.Runes {
		if m.asking == "" && !m.fullHelp && !m.sidebar && m.capturing() {
			rest := k
			rest.Runes = k.Runes[i:]
			return tea.Sequence(append(cmds, m.key(rest))...)
		}
		one := k
		one.Runes = []rune{r}
		cmds = append(cmds, m.key(one))
	}
	return tea.Sequence(cmds...) // in order: the last press's status line is the one left
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	km := m.ctx.Keys
	switch {
	case m.asking != "":
		return m.answer(k)
	case key.Matches(k, km.ForceQuit):
		return m.quit()
	case m.fullHelp:
		switch {
		case key.Matches(k, km.Quit):
			return m.quit()
		case key.Matches(k, km.Help, km.Back):
			m.fullHelp = false
		case key.Matches(k, km.Up):
			m.helpTop = max(m.helpTop-1, 0)
		case key.Matches(k, km.Down):
			m.helpTop = min(m.helpTop+1, max(len(m.fullHelpLines(m.paneWidth()))-m.bodyHeight(), 0))
		}
		return nil
	case !m.sidebar && m.capturing():
		return m.toTop(k)
	case key.Matches(k, km.Quit):
		return m.quit()
	case key.Matches(k, km.Help):
		m.fullHelp, m.helpTop = true, 0
		return nil
	case key.Matches(k, km.NextFocus, km.PrevFocus):
		m.sidebar = !m.sidebar
		return nil
	case key.Matches(k, km.Reload):
		var top tea.Cmd
		if f := m.top(m.active); f != nil {
			top = f.Update(app.Reload{})
		}
		return tea.Batch(m.send(m.active, app.Reload{}), top, m.countExpiring())
	case key.Matches(k, km.Soon) && (m.sidebar || m.active != m.keysPage()):
		// The banner's "!": the expiring-soon view, from anywhere.
		m.sidebar = false
		cmd := m.choose(m.keysPage())
		// Details open there: the list is what "!" is about.
		m.unwind(m.keysPage())
		if p, ok := m.pages[m.keysPage()].(*apikeys.Page); ok {
			p.ShowSoon()
		}
		return cmd
	case !m.sidebar:
		return m.toTop(k)
	}
	// The sidebar has the keyboard.
	switch {
	case key.Matches(k, km.Up):
		return m.choose(m.active - 1)
	case key.Matches(k, km.Down):
		return m.choose(m.active + 1)
	case key.Matches(k, km.Top):
		return m.choose(0)
	case key.Matches(k, km.Bottom):
		return m.choose(len(m.pages) - 1)
	case key.Matches(k, km.Open, km.Back), k.String() == "right", k.String() == "l":
		m.sidebar = false
	}
	return nil
}

// choose shows page i; it loads what it needs when first shown.
func (m *Model) choose(i int) tea.Cmd {
	i = min(max(i, 0), len(m.pages)-1)
	if i == m.active {
		return nil
	}
	m.active = i
	// A message about the page left behind would read as news about this one.
	m.status.Update(app.Status{})
	if !m.signedIn {
		return nil
	}
	return m.send(i, app.Activated{})
}

// keysPage is the API Keys page's index: the last entry.
func (m *Model) keysPage() int { return len(m.pages) - 1 }

// bannerCount is how many keys the member may manage expire within 7 days,
// for the count asked for seq-th.
type bannerCount struct {
	n, seq int
	failed bool
}

// countExpiring asks the backend for the banner's number, quietly: a banner
// never stands in the way of the page.
func (m *Model) countExpiring() tea.Cmd {
	h, ok := m.ctx.Client.(client.Webhooks)
	if !ok || !m.signedIn {
		return nil
	}
	if m.counting {
		m.countAgain = true
		return nil
	}
	m.counting = true
	base := m.ctx.Base
	m.bannerSeq++
	seq := m.bannerSeq
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, app.CallTimeout)
		defer cancel()
		n, err := h.ExpiringCount(ctx)
		return bannerCount{n: n, seq: seq, failed: err != nil}
	}
}

// Status is the status line's text, for tests.
func (m *Model) Status() string { return m.status.Text() }
