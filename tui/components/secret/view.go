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
			line += st.OK.Render("  ✓ copied")
		}
		for j, l := range wrap(line) {
			if j == 0 {
				body = append(body, mark+l)
			} else {
				body = append(body, indent+l)
			}
		}
		body = append(body, indent+st.SecretText.Render(e.Secret.Reveal()))
		if e.Note != "" {
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

	var foot []string
	switch {
	case len(p.entries) == 0:
		foot = append(foot, "", st.Subtle.Render("The keys above are unchanged."))
	case multi:
		foot = append(foot, "", st.Warn.Render("⚠ Copy them now: they won't be shown again."),
			st.Subtle.Render("Only their hashes are stored; if one is lost, rotate that key again."))
	default:
		foot = append(foot, "", st.Warn.Render("⚠ Copy it now: it won't be shown again."),
			st.Subtle.Render("Only its hash is stored; if it is lost, rotate the key."))
	}
	switch n := p.uncopied(); {
	case len(p.entries) == 1 && n == 0:
		foot = append(foot, st.OK.Render("✓ Copied to the clipboard."))
	case p.warned && n > 0:
		foot = append(foot, st.Warn.Render(p.notCopied(n)+": enter or esc again closes the panel."))
	}

	if p.height > 0 {
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
	show := room - 2 // the "more" lines
	top := 0
	if focus[1] > show {
		top = min(focus[1]-show, focus[0])
	}
	top = min(max(top, 0), len(lines)-show)
	out := []string{subtle(fmt.Sprintf("↑ %d more lines (↑/k)", top))}
	if top == 0 {
		out[0] = ""
	}
	out = append(out, lines[top:top+show]...)
	if rest := len(lines) - top - show; rest > 0 {
		out = append(out, subtle(fmt.Sprintf("↓ %d more lines (↓/j)", rest)))
	} else {
		out = append(out, "")
	}
	return out
}
