package secret

import (
	"fmt"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
)

// View renders the panel: the title, each secret under the name of its key,
// the keys that got none and why, and the warning. When it is taller than the
// pane, the part with the chosen secret shows, with "more" lines around it.
func (p *Panel) View() string {
	st := p.ctx.Styles
	multi := len(p.entries) > 1
	w := max(min(p.width, Width+22)-2, 0) // Width counts the border, lipgloss does not
	inner := max(w-2, 1)                  // and the padding
	wrap := func(s string) []string {
		return strings.Split(st.Renderer().NewStyle().Width(inner).Render(s), "\n")
	}

	title := p.title
	if title == "" {
		title = "Key created"
		if multi {
			title = "Keys created"
		}
	}
	head := []string{st.PageTitle.Render(title), ""}

	var body []string
	focus := [2]int{0, 0} // lines of the chosen entry within body
	indent := ""
	if multi {
		indent = "  "
	}
	for i, e := range p.entries {
		if i > 0 {
			body = append(body, "")
		}
		start := len(body)
		mark := indent
		if multi && i == p.sel {
			mark = st.Accent.Render("›") + " "
		}
		line := st.Bold.Render("New secret for “"+model.Sanitize(e.Name)+"”") + st.Subtle.Render(" ("+e.Type.Label()+")")
		if multi && p.copied[i] {
			line += st.OK.Render("  ✓ sent")
		}
		for j, l := range wrap(line) {
			if j == 0 {
				body = append(body, mark+l)
			} else {
				body = append(body, indent+l)
			}
		}
		if p.gone[i] {
			for _, l := range wrap("Deleted elsewhere: this secret no longer works.") {
				body = append(body, indent+st.Warn.Render(l))
			}
		} else {
			body = append(body, indent+st.SecretText.Render(e.Secret.Reveal()))
		}
		if e.Note != "" && !p.gone[i] {
			for _, l := range wrap(e.Note) {
				body = append(body, indent+st.Subtle.Render(l))
			}
		}
		if i == p.sel {
			focus = [2]int{start, len(body)}
		}
	}
	if len(p.failures) > 0 {
		if len(body) > 0 {
			body = append(body, "")
		}
		body = append(body, st.Error.Render(fmt.Sprintf("✗ Not rotated (%d)", len(p.failures))))
		for _, f := range p.failures {
			for _, l := range wrap("“" + model.Sanitize(f.Name) + "”: " + f.Reason) {
				body = append(body, "  "+st.Text.Render(l))
			}
		}
	}

	var warn, explain, state string
	switch {
	case len(p.entries) == 0:
		explain = st.Subtle.Render("The keys above are unchanged.")
	case p.allGone():
		explain = st.Subtle.Render("Nothing here is left to copy.")
	case multi:
		warn = st.Warn.Render("⚠ Copy them now: they won't be shown again.")
		explain = st.Subtle.Render("Only their hashes are stored; if one is lost, rotate that key again.")
	default:
		warn = st.Warn.Render("⚠ Copy it now: it won't be shown again.")
		explain = st.Subtle.Render("Only its hash is stored; if it is lost, rotate the key.")
	}
	if p.explain != "" && !p.allGone() {
		explain = st.Subtle.Render(p.explain)
	}
	switch {
	case p.asking:
		state = st.Warn.Render("⚠ " + p.Precious() + " Close anyway? y closes, n or esc keeps it open (y/N)")
	case len(p.entries) > 0 && p.saved:
		state = st.OK.Render("✓ Marked as saved.")
	case len(p.entries) == 1 && p.copied[0] && p.live(0):
		state = st.OK.Render("✓ Sent to your terminal's clipboard (OSC 52).")
	}
	lines := func(ss ...string) []string {
		var out []string
		for _, s := range ss {
			if s != "" {
				out = append(out, wrap(s)...)
			}
		}
		return out
	}
	field := ""
	if p.path != nil {
		field = p.path.View()
	}
	foot := append([]string{""}, lines(warn, explain, state)...)
	if field != "" {
		foot = append(foot, field)
	}

	if p.height > 0 && 2+len(head)+len(body)+len(foot) > p.height {
		// Short of room: the secrets come first. Drop the spacing and the
		// explanation, keep the warning, and scroll the rest; say how to take
		// them all at once.
		head = head[:1]
		if warn != "" {
			explain = ""
		}
		all := ""
		if multi && p.path == nil {
			all = fmt.Sprintf("%d secrets: C copies them all", len(p.entries))
			if p.canWrite() {
				all += "; w writes a new 0600 file"
			}
			all = st.Accent.Render(all + ".")
		}
		foot = lines(warn, explain, all, state)
		if field != "" {
			foot = append(foot, field)
		}
		room := max(p.height-2-len(head)-len(foot), 3) // 2: the border
		body = window(body, focus, room, st.Subtle.Render)
	}
	all := append(append(head, body...), foot...)
	return st.SecretBox.Width(w).Render(strings.Join(all, "\n"))
}

// window cuts lines to room, keeping focus (a range of lines) in view and
// saying what is cut above and below.
func window(lines []string, focus [2]int, room int, subtle func(...string) string) []string {
	if len(lines) <= room {
		return lines
	}
	var top, show int
	switch {
	case focus[1] <= room-1: // from the top, "more" below
		top, show = 0, room-1
	case focus[0] >= len(lines)-(room-1): // to the end, "more" above
		top, show = len(lines)-(room-1), room-1
	default: // "more" on both sides
		show = room - 2
		top = min(max(focus[1]-show, 0), focus[0])
	}
	var out []string
	if top > 0 {
		out = append(out, subtle(fmt.Sprintf("↑ %d more lines (↑/k)", top)))
	}
	out = append(out, lines[top:top+show]...)
	if rest := len(lines) - top - show; rest > 0 {
		out = append(out, subtle(fmt.Sprintf("↓ %d more lines (↓/j)", rest)))
	}
	return out
}
