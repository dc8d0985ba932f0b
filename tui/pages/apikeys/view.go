package apikeys

import (
	"fmt"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
)

// View implements tea.Model.
func (p *Page) View() string {
	st := p.ctx.Styles
	para := st.Renderer().NewStyle().Width(max(p.w, 10))
	switch p.mode {
	case formMode:
		return p.form.View()
	case secretMode:
		return p.secret.View()
	case rotatingMode:
		return p.rotationView()
	case detailMode:
		return p.detail.View()
	}
	title := st.PageTitle.Render("API Keys")
	switch {
	case p.denied != "":
		return title + "\n\n" + para.Render(st.Warn.Render(p.denied)) + "\n\n" +
			para.Render(st.Subtle.Render("A Workspace Admin or the Primary Owner can change your account type."))
	case !p.ready && p.loadErr != nil:
		return title + "\n\n" + para.Render(st.Error.Render("✗ Couldn't load the keys: "+app.Message(p.loadErr))) +
			"\n\n" + st.Subtle.Render("Press ctrl+r to try again.")
	case !p.ready:
		return title + "\n\n" + st.Subtle.Render("Loading…")
	}

	n := len(p.list.all)
	count := fmt.Sprintf(" (%d)", n)
	if p.query != "" || p.soon {
		count = fmt.Sprintf(" (%d of %d)", len(p.list.view), n)
	}
	if p.soon {
		title += st.Warn.Render(" · expiring soon")
	}
	marks := ""
	if m := len(p.marks); m > 0 {
		marks = fmt.Sprintf(" · %d marked", m)
		if h := p.hiddenMarks(); h > 0 {
			marks += fmt.Sprintf(" (%d hidden by the filter)", h)
		}
	}
	var b strings.Builder
	b.WriteString(title + st.Subtle.Render(count) + st.Accent.Render(marks) + "\n")
	switch {
	case p.filtering:
		b.WriteString(p.filter.View())
	case p.query != "":
		b.WriteString(st.Subtle.Render("Filter: ") + st.Text.Render(model.Sanitize(p.query)) + st.Subtle.Render("  (/ change, esc clear)"))
	case p.soon:
		b.WriteString(st.Subtle.Render(fmt.Sprintf("Last valid day within %d days, or replaced and in grace.  (! all keys)", model.ExpiringSoonDays)))
	}
	b.WriteString("\n")

	switch {
	case n == 0:
		b.WriteString(para.Render(st.Text.Render("No API keys yet.")) + "\n\n")
		if len(model.ManageableKeyTypes(p.ctx.Me.AccountType)) > 0 {
			b.WriteString(para.Render(st.Subtle.Render("Press ") + st.Accent.Render("n") +
				st.Subtle.Render(" to create the first one: give it a name, an expiration date and a type. Its secret is shown once, right after.")))
		}
	case len(p.list.view) == 0 && p.query == "":
		b.WriteString(para.Render(st.Text.Render(fmt.Sprintf("No key expires within %d days, and none is in a grace period.", model.ExpiringSoonDays)) +
			st.Subtle.Render(" ! shows every key.")))
	case len(p.list.view) == 0:
		b.WriteString(para.Render(st.Text.Render("No keys match “"+model.Sanitize(p.query)+"”.") + st.Subtle.Render(" esc clears the filter.")))
	default:
		b.WriteString(p.table.View())
	}
	return b.String()
}
