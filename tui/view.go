package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

const (
	headerHeight = 2 // title line and rule
	footerHeight = 2 // status line and help line
	minWidth     = 60
	minHeight    = 16
	// The largest layout drawn; a bigger terminal gets it in its top-left corner.
	// A frame costs about its cell count: a 1000×500 terminal (the most the SSH
	// server accepts) took ~47 ms of CPU per redraw, so twenty members resizing
	// at once held up everyone else's frames for a second. 320×120 is wider and
	// taller than a full-screen terminal at a readable font on a 4K display, and
	// costs about a thirteenth of that.
	maxWidth    = 320
	maxHeight   = 120
	wideSidebar = 22 // "Workspace settings" and its border
	sidebarTop  = 2  // the sidebar's lines above its first entry (mouse.go)
	narrowBar   = 13 // "Settings", from 60 to 99 columns
)

// focuser is a page that shows whether it has the keyboard.
type focuser interface{ SetFocused(bool) }

func (m *Model) sidebarWidth() int {
	if m.ctx.Width < 100 {
		return narrowBar
	}
	return wideSidebar
}

func (m *Model) bodyHeight() int { return max(m.ctx.Height-headerHeight-footerHeight, 1) }

func (m *Model) fullWidth() bool {
	if m.fullHelp {
		return true
	}
	f := m.top(m.active)
	return f != nil && f.FullWidth()
}

// paneWidth is the room the active page has, inside its one-column margin.
func (m *Model) paneWidth() int {
	if m.fullWidth() {
		return max(m.ctx.Width-1, 1)
	}
	return max(m.ctx.Width-m.sidebarWidth()-1, 1)
}

// layout gives each page its size when it changed, and tells pages about focus.
func (m *Model) layout() {
	if m.ctx.Width == 0 {
		return
	}
	h := m.bodyHeight()
	for i, p := range m.pages {
		w := max(m.ctx.Width-m.sidebarWidth()-1, 1)
		if i == m.active {
			w = m.paneWidth()
		}
		if m.sizes[i] != [2]int{w, h} {
			m.sizes[i] = [2]int{w, h}
			p.SetSize(w, h)
		}
		for j := range m.stacks[i] {
			if e := &m.stacks[i][j]; e.size != [2]int{w, h} {
				e.size = [2]int{w, h}
				e.flow.SetSize(w, h)
			}
		}
		if f, ok := p.(focuser); ok {
			f.SetFocused(i == m.active && !m.sidebar)
		}
	}
}

// View draws header, sidebar and page, status and help, in exactly the
// terminal's size: nothing wraps, so nothing scrolls the frame.
func (m *Model) View() string {
	w, h := m.ctx.Width, m.ctx.Height
	if w == 0 {
		return ""
	}
	st := m.ctx.Styles
	if w < minWidth || h < minHeight {
		return st.Warn.Render(ansi.Truncate("The terminal is too small: apikeys needs 60×16.", w, "…"))
	}
	bh := m.bodyHeight()
	pw := m.paneWidth()
	box := st.Renderer().NewStyle()

	var page string
	switch {
	case m.fullHelp:
		page = m.fullHelpView(pw, bh)
	case m.sessionErr != nil:
		page = box.Width(pw).Render(st.Error.Render("✗ Couldn't sign in: "+app.Message(m.sessionErr)) + "\n\n" +
			st.Subtle.Render("Press q to quit."))
	case m.top(m.active) != nil:
		page = m.top(m.active).View()
	default:
		page = m.pages[m.active].View()
	}
	page = block(page, pw, bh)
	if m.asking != "" {
		page = m.overAsking(page, pw)
	}

	body := page
	if !m.fullWidth() {
		lines, sw := m.sidebarLines(bh)
		body = joinBeside(lines, sw, page)
	}
	status := m.status.View(w)
	if m.notice != "" {
		status = ansi.Truncate(" "+st.Warn.Render(m.notice), w, "…")
	}
	return strings.Join([]string{m.headerView(), body, status, m.helpView()}, "\n")
}

func (m *Model) headerView() string {
	w := m.ctx.Width
	k := strconv.Itoa(w)
	if m.signedIn {
		k += "\x00" + m.ctx.Workspace.Name + "\x00" + m.ctx.Me.Name + "\x00" + m.ctx.Me.AccountType.Label() + "\x00" + m.banner
	}
	return m.headerMemo.get(k, m.drawHeader)
}

func (m *Model) drawHeader() string {
	st := m.ctx.Styles
	w := m.ctx.Width
	left := st.HeaderTitle.Render("apikeys")
	right := ""
	if m.signedIn {
		left += st.HeaderDim.Render(" · ") + st.Text.Render(model.Sanitize(m.ctx.Workspace.Name))
		if m.banner != "" {
			left += st.HeaderDim.Render(" · ") + st.Warn.Render("⚠ "+m.banner) + st.HeaderDim.Render(" (!)")
		}
		right = st.Text.Render(model.Sanitize(m.ctx.Me.Name)) + st.HeaderDim.Render(" · "+m.ctx.Me.AccountType.Label())
	}
	inner := w - 2
	right = ansi.Truncate(right, inner/2, "…")
	left = ansi.Truncate(left, inner-lipgloss.Width(right)-1, "…")
	gap := max(inner-lipgloss.Width(left)-lipgloss.Width(right), 1)
	line := st.Header.Render(left + strings.Repeat(" ", gap) + right)
	return line + "\n" + st.Faint.Render(strings.Repeat("─", w))
}

// sidebarLines is the sidebar h lines high, split into lines, and the width of
// every line (-1 if they differ); it is drawn again only when it changes.
func (m *Model) sidebarLines(h int) ([]string, int) {
	var b strings.Builder
	b.WriteString(strconv.Itoa(m.sidebarWidth()))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(h))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(m.active))
	b.WriteString(strconv.FormatBool(m.sidebar))
	for _, p := range m.pages {
		b.WriteByte(0)
		b.WriteString(p.Title())
	}
	sm := &m.sidebarMemo
	if sm.lines == nil || sm.key != b.String() {
		sm.key = b.String()
		sm.lines = strings.Split(m.sidebarView(h), "\n")
		sm.width = uniformWidth(sm.lines)
	}
	return sm.lines, sm.width
}

func (m *Model) sidebarView(h int) string {
	st := m.ctx.Styles
	sw := m.sidebarWidth()
	title := "Workspace settings"
	if sw == narrowBar {
		title = "Settings"
	}
	lines := []string{" " + st.SidebarTitle.Render(title), ""} // sidebarTop lines
	for i, p := range m.pages {
		// A name longer than the narrow sidebar ("IP allow lists") is cut,
		// not wrapped onto a line of its own.
		name := ansi.Truncate(p.Title(), sw-4, "…")
		switch {
		case i == m.active && m.sidebar:
			lines = append(lines, st.SidebarActive.Render("› "+name))
		case i == m.active:
			lines = append(lines, st.SidebarActive.Render("• "+name))
		default:
			lines = append(lines, st.SidebarItem.Render("  "+name))
		}
	}
	style := st.Sidebar
	if m.sidebar {
		style = st.SidebarFocused
	}
	// Width counts padding but not the border.
	return style.Width(sw - 1).Height(h).MaxHeight(h).Render(strings.Join(lines, "\n"))
}

// helpView is the short help: what the focused part takes now, then the global
// keys that apply.
func (m *Model) helpView() string {
	km := m.ctx.Keys
	var b, must []key.Binding
	page := m.pages[m.active]
	top := m.top(m.active)
	fit := false
	switch {
	case m.asking != "" && m.askPop != nil:
		b = []key.Binding{key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "keep it open")),
			key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "close and lose it"))}
	case m.asking != "":
		b = []key.Binding{key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "keep it open")),
			key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "quit and lose it"))}
	case m.fullHelp:
		b = []key.Binding{keymap.With(km.Help, "close help"), km.Up, km.Down, km.Quit}
	case m.sidebar:
		b = []key.Binding{keymap.With(km.Up, "choose"), km.Down, keymap.With(km.Open, "open"),
			keymap.With(km.NextFocus, "page"), km.Help, km.Quit}
	case top != nil && top.Capturing():
		b = top.ShortHelp()
	case top != nil:
		b, must, fit = append(top.ShortHelp(), keymap.With(km.NextFocus, "sidebar")), []key.Binding{km.Help, km.Quit}, true
	case page.Capturing():
		b = page.ShortHelp()
	default:
		b, must, fit = append(page.ShortHelp(), keymap.With(km.NextFocus, "sidebar")), []key.Binding{km.Help, km.Quit}, true
	}
	var k strings.Builder
	k.WriteString(strconv.Itoa(m.ctx.Width))
	bindingsKey(&k, b)
	bindingsKey(&k, must)
	return m.helpMemo.get(k.String(), func() string {
		if fit {
			b = keymap.Fit(b, must, m.ctx.Width-1)
		}
		m.help.Width = m.ctx.Width - 1
		return " " + m.help.ShortHelpView(b)
	})
}

// fullHelpView lists every binding of the page and the global ones, in columns
// when they fit, scrolling with j/k when they don't.
func (m *Model) fullHelpView(w, h int) string {
	st := m.ctx.Styles
	lines := m.fullHelpLines(w)
	lines = lines[min(m.helpTop, max(len(lines)-h, 0)):]
	if len(lines) > h {
		lines = append(lines[:h-1], st.Subtle.Render("↓ more (j)"))
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

// fullHelpLines is the whole full help, laid out for width w.
func (m *Model) fullHelpLines(w int) []string {
	st := m.ctx.Styles
	km := m.ctx.Keys
	page := m.pages[m.active]
	groups := append(page.FullHelp(), []key.Binding{keymap.With(km.NextFocus, "sidebar ⇄ page"), keymap.With(km.PrevFocus, "sidebar ⇄ page"),
		km.Reload, keymap.With(km.Help, "this help"), keymap.With(km.Back, "back, cancel"),
		keymap.With(km.Quit, "quit (not while typing)"), keymap.With(km.ForceQuit, "quit, always")})
	names := []string{page.Title()}
	for i := 1; i < len(groups)-1; i++ {
		names = append(names, "")
	}
	names = append(names, "Everywhere")

	var cols []string
	for i, g := range groups {
		kw := 0
		for _, b := range g {
			kw = max(kw, lipgloss.Width(b.Help().Key))
		}
		lines := []string{st.FullHelpGroup.Render(names[i])}
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			k := b.Help().Key
			lines = append(lines, st.FullHelpKey.Render(k+strings.Repeat(" ", kw-lipgloss.Width(k)))+"  "+st.FullHelpDesc.Render(b.Help().Desc))
		}
		cols = append(cols, strings.Join(lines, "\n"))
	}
	// Lay the groups out in rows of as many columns as fit.
	var rows []string
	var row []string
	used := 0
	for _, c := range cols {
		cw := lipgloss.Width(c) + 3
		if len(row) > 0 && used+cw > w {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, used = nil, 0
		}
		row = append(row, st.Renderer().NewStyle().PaddingRight(3).Render(c))
		used += cw
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	lines := strings.Split(strings.Join(rows, "\n\n"), "\n")
	return append([]string{st.PageTitle.Render("Keyboard shortcuts"), ""}, lines...)
}

// block makes s exactly h lines of exactly w cells after a one-cell margin:
// longer lines are cut, shorter ones padded, missing lines added. It is the
// pane's frame; lipgloss's Width would wrap instead of cut, and costs more.
func block(s string, w, h int) string {
	var b strings.Builder
	b.Grow((w + 8) * h)
	lines := strings.SplitN(s, "\n", h+1)
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteByte(' ')
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		lw := ansi.StringWidth(l)
		if lw > w {
			l = ansi.Truncate(l, w, "…")
			lw = ansi.StringWidth(l)
		}
		b.WriteString(l)
		b.WriteString(strings.Repeat(" ", w-lw))
	}
	return b.String()
}

// overAsking draws the question quit asks over the bottom of the pane, so the
// secret above stays in view while the member decides.
func (m *Model) overAsking(page string, w int) string {
	st := m.ctx.Styles
	bw := min(w, 64) - 2 // the border
	ask, then := "Quit anyway? (y/N)", "n or esc keeps it open; y quits and it is gone for good."
	if m.askPop != nil {
		ask, then = "Close anyway? (y/N)", "n or esc keeps it open; y closes it and it is gone for good."
	}
	box := st.SecretBox.Width(bw).Render(st.Warn.Render("⚠ "+m.asking) + "\n" +
		st.Bold.Render(ask) + "\n" + st.Subtle.Render(then))
	lines := strings.Split(page, "\n")
	over := strings.Split(box, "\n")
	at := max(len(lines)-len(over), 0)
	for i, l := range over {
		if at+i < len(lines) {
			lines[at+i] = " " + l + strings.Repeat(" ", max(w-ansi.StringWidth(l), 0))
		}
	}
	return strings.Join(lines, "\n")
}
