// Package detail renders a record as "Label  value" lines that scroll, cut to the
// pane's width instead of wrapping.
package detail

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Field is one line. Value must already be safe to print; Styled, when set,
// renders it (a state word in colour).
type Field struct {
	Label  string
	Value  string
	Styled func(string) string
}

// Model is a scrollable list of fields under a title.
type Model struct {
	st     *styles.Styles
	title  string
	fields []Field
	offset int
	w, h   int
}

// New makes a detail view.
func New(st *styles.Styles, title string, fields []Field) Model {
	return Model{st: st, title: title, fields: fields}
}

// SetSize fits the view.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.Scroll(0) }

// Offset is how many fields are scrolled above the view.
func (m *Model) Offset() int { return m.offset }

// Scroll moves by n lines.
func (m *Model) Scroll(n int) {
	m.offset = min(max(m.offset+n, 0), max(len(m.fields)-m.room(), 0))
}

// room is how many lines there are for fields, under the title and its blank
// line.
func (m *Model) room() int { return max(m.h-2, 1) }

// rows is how many fields show from the offset: as many as there is room for
// when the last is among them, else one fewer, for "↓ more".
func (m *Model) rows() int {
	if m.offset+m.room() >= len(m.fields) {
		return m.room()
	}
	return max(m.room()-1, 1)
}

// View renders the title and the visible fields.
func (m *Model) View() string {
	lw := 0
	for _, f := range m.fields {
		lw = max(lw, ansi.StringWidth(f.Label))
	}
	var b strings.Builder
	b.WriteString(m.st.PageTitle.Render(ansi.Truncate(m.title, m.w, "…")))
	b.WriteString("\n")
	end := min(m.offset+m.rows(), len(m.fields))
	for _, f := range m.fields[m.offset:end] {
		v := ansi.Truncate(f.Value, max(m.w-lw-2, 1), "…")
		if f.Styled != nil {
			v = f.Styled(v)
		} else {
			v = m.st.Value.Render(v)
		}
		pad := strings.Repeat(" ", lw-ansi.StringWidth(f.Label))
		b.WriteString("\n" + m.st.Label.Render(f.Label+pad) + "  " + v)
	}
	if end < len(m.fields) {
		b.WriteString("\n" + m.st.Subtle.Render("↓ more"))
	}
	return b.String()
}
