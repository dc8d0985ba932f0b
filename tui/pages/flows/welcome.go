package flows

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// WelcomeInfo is what the first local run set up that the TUI can't ask the
// backend: where the data lives. Dismissed runs once, on enter or esc, so the
// welcome never shows again.
type WelcomeInfo struct {
	DataDir   string // the data directory
	Database  string // the database in it ("apikeys.db"), or where --db points
	Dismissed func()
}

// Welcome is the first-run panel: what was set up (the workspace, you as its
// Primary Owner, where the data lives) and the commands that change it.
type Welcome struct {
	app.Base
	ctx  *app.Context
	info WelcomeInfo
	w, h int
}

// NewWelcome makes the panel for the signed-in member.
func NewWelcome(ctx *app.Context, info WelcomeInfo) *Welcome {
	return &Welcome{ctx: ctx, info: info}
}

// Capturing implements app.Flow: q still quits (the welcome then shows
// again next time), tab still reaches the sidebar.
func (w *Welcome) Capturing() bool { return false }

// SetSize implements app.Flow.
func (w *Welcome) SetSize(width, height int) { w.w, w.h = width, height }

// ShortHelp implements app.Flow.
func (w *Welcome) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "start"))}
}

// Update implements app.Flow.
func (w *Welcome) Update(msg tea.Msg) tea.Cmd {
	km := w.ctx.Keys
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, km.Open, km.Back) {
		if w.info.Dismissed != nil {
			w.info.Dismissed()
			w.info.Dismissed = nil
		}
		return app.Close(w, nil)
	}
	return nil
}

// View implements app.Flow.
func (w *Welcome) View() string {
	st := w.ctx.Styles
	me, ws := w.ctx.Me, w.ctx.Workspace
	para := st.Renderer().NewStyle().Width(max(w.w, 10))
	// Items hang under their bullet when they wrap.
	item := func(s string) string {
		return lipgloss.JoinHorizontal(lipgloss.Top, "  • ", st.Renderer().NewStyle().Width(max(w.w-4, 6)).Render(s))
	}
	where := w.info.DataDir
	if w.info.Database != "" {
		where = w.info.Database
	}
	head := []string{
		st.PageTitle.Render("Welcome to apikeys"),
		"",
		para.Render(st.Text.Render("This is a new workspace. apikeys set up:")),
		item("the workspace " + model.Quote(ws.Name) + ", named after this machine"),
		item("you, " + model.Sanitize(me.Name) + " <" + model.Sanitize(me.Email) + ">, as its Primary Owner"),
		item("its data in " + model.Sanitize(where)),
		"",
		para.Render(st.Text.Render("To change it:")),
	}
	cmds := [][2]string{
		{"apikeys --data-dir DIR", "another workspace, in another directory (or APIKEYS_DATA_DIR)"},
		{"apikeys --timezone Europe/Paris", "the zone expiry dates are read in (now " + w.ctx.Policy.Loc().String() + ")"},
		{"apikeys members add --name … --email … --type workspace-admin", "someone to manage keys with you"},
		{"apikeys --as EMAIL", "act as another member"},
		{"apikeys serve --initial-admin-key ~/.ssh/id_ed25519.pub", "share it over SSH instead"},
	}
	foot := []string{"", para.Render(st.Subtle.Render("Enter starts; this won't show again."))}
	// As much as fits: each command with what it does, else the commands
	// alone, else as many as fit; the way out always shows.
	long, short := []string{}, []string{}
	for _, c := range cmds {
		long = append(long, para.Render("  "+st.Accent.Render(c[0])), para.Render("      "+st.Subtle.Render(c[1])))
		short = append(short, para.Render("  "+st.Accent.Render(c[0])))
	}
	fits := func(body []string) bool {
		return w.h <= 0 || lineCount(head)+lineCount(body)+lineCount(foot) <= w.h
	}
	body := long
	if !fits(body) {
		body = short
	}
	if !fits(body) { // 60×16: the flags in one paragraph
		head = append(head[:1], head[2:6]...)
		body = []string{para.Width(max(w.w-1, 10)).Render(st.Text.Render("To change it: ") + st.Accent.Render("--data-dir DIR") + ", " +
			st.Accent.Render("--timezone ZONE") + ", " + st.Accent.Render("--as EMAIL") + "; " + st.Accent.Render("apikeys --help") + ".")}
	}
	out := strings.Join(append(append(head, body...), foot...), "\n")
	if ls := strings.Split(out, "\n"); w.h > 0 && len(ls) > w.h {
		out = strings.Join(ls[len(ls)-w.h:], "\n") // the way out over the title
	}
	return out
}

func lineCount(ls []string) int {
	n := 0
	for _, l := range ls {
		n += strings.Count(l, "\n") + 1
	}
	return n
}
