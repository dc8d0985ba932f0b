package apikeys

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/pages/listing"
)

// View implements tea.Model.
func (p *Page) View() string {
	return p.keys.View("A Workspace Admin or the Primary Owner can change your account type.", p.listView)
}

func (p *Page) listView(title string) string {
	st := p.ctx.Styles
	n := p.list.Len()
	// Where the cursor is, and the order: "12/10000 · by name ▲" (filtered
	// "3/120 of 10000"); the order is said here too because its column may
	// have dropped out of a narrow table, and "created" has none.
	count := fmt.Sprintf(" (%d)", n)
	if pos := listing.Position(p.keys.Table.Cursor(), len(p.list.view), n); pos != "" {
		s := p.sorting()
		count = "  " + pos + " · by " + s.Name() + " " + s.Arrow()
	}
	if p.sortingNow {
		count += st.Warn.Render(" · sorting…")
	}
	if got, total, loading := p.keys.Progress(); loading {
		// Filter and sort take the whole list once it is there.
		// Until the count arrives (with the second part) only what came.
		progress := thousands(got) + "…"
		if total > got {
			progress = thousands(got) + "/" + thousands(total)
		}
		count += st.Warn.Render(" · loading " + progress)
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
		b.WriteString(p.keys.Para(st.Text.Render("No API keys yet.")) + "\n\n")
		if len(model.ManageableKeyTypes(p.ctx.Me.AccountType)) > 0 {
			b.WriteString(p.keys.Para(st.Subtle.Render("Press ") + st.Accent.Render("n") +
				st.Subtle.Render(" to create the first one: give it a name, an expiration date and a type. Its secret is shown once, right after.")))
		}
	case len(p.list.view) == 0 && p.query == "":
		b.WriteString(p.keys.Para(st.Text.Render(fmt.Sprintf("No key expires within %d days, and none is in a grace period.", model.ExpiringSoonDays)) +
			st.Subtle.Render(" ! shows every key.")))
	case len(p.list.view) == 0:
		b.WriteString(p.keys.Para(st.Text.Render("No keys match “"+model.Sanitize(p.query)+"”.") + st.Subtle.Render(" esc clears the filter.")))
	default:
		b.WriteString(p.keys.Table.View())
	}
	return b.String()
}

// thousands writes n with commas: 340,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
