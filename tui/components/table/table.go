// Package table is a list table that formats only the rows on screen, so a list
// of 100,000 keys costs the same per frame as a list of ten. Columns have a
// priority: on a narrow terminal the least important ones drop out first, and
// cells are cut with "…" rather than wrapped.
package table

import (
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Column describes one column.
type Column struct {
	Title    string
	Width    int  // preferred width
	Min      int  // narrowest width; 0 means Width
	Priority int  // lower stays longer; 0 always shows
	Flex     bool // takes what width is left over
	// Squeeze keeps the column while it fits at its narrowest with every
	// column chosen before it at theirs: it is what tells rows apart (a key's
	// type, an event's subject), worth more than a wider name.
	Squeeze bool
	// Abbrev, when set, is the short form of a cell's text; every cell of the
	// column gets it while the column is narrower than Width, so the column
	// reads the same from row to row ("Audit logs" → "Audit").
	Abbrev func(string) string
}

// Tone is how a cell reads besides its text. Every tone must come with words that
// say the same: colour is never the only signal.
type Tone int

// Tones.
const (
	Normal Tone = iota
	Dim
	Good
	Warn
	Bad
)

// Source supplies rows on demand. Cell text must already be safe to print
// (model.Sanitize for anything from the store).
type Source interface {
	Len() int
	Cell(row, col int) (string, Tone)
}

const gap = 2 // spaces between columns

// Prefix is the width of the cursor column in front of every row; a table
// with a Marker has one more column for the mark.
const Prefix = 2

func (m *Model) prefix() int {
	if m.Marker != nil {
		return Prefix + 1
	}
	return Prefix
}

// Model is the table's state.
type Model struct {
	st     *styles.Styles
	cols   []Column
	src    Source
	cursor int
	offset int
	width  int
	height int
	// shown are the indices of the columns that fit, in display order, and
	// widths their widths.
	shown  []int
	widths []int
	abbrev []bool // per shown column: its cells are abbreviated
	// Marker, when set, gives a one-cell mark shown after the cursor column of
	// each row ("✓" for a marked row, " " otherwise). Set it before SetSize:
	// it takes a column.
	Marker func(row int) string
	// Blurred shows the cursor row with "·" instead of "›" while another part of
	// the screen has the keyboard.
	Blurred bool
	paints  map[Tone][2]string
	// mark is put before the title of column markCol (a sort's ▲/▼).
	mark    string
	markCol int
}

// SetHeaderMark puts mark ("▲") before column col's title, and takes any
// earlier mark off; col -1 or mark "" shows none. The mark goes first, so a
// narrow column cuts its title, not the mark.
func (m *Model) SetHeaderMark(col int, mark string) {
	m.markCol, m.mark = col, mark
}

// New makes a table of these columns.
func New(st *styles.Styles, cols []Column) Model {
	return Model{st: st, cols: cols}
}

// SetSource replaces the rows, keeping the cursor in range.
func (m *Model) SetSource(src Source) {
	m.src = src
	m.clamp()
}

// Len is the number of rows.
func (m *Model) Len() int {
	if m.src == nil {
		return 0
	}
	return m.src.Len()
}

// SetSize fits the table to width×height cells, header line included.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.layout()
	m.clamp()
}

// Cursor is the selected row.
func (m *Model) Cursor() int { return m.cursor }

// SetCursor selects row i (clamped) and scrolls it into view.
func (m *Model) SetCursor(i int) {
	m.cursor = i
	m.clamp()
}

// Shown reports the titles of the columns that fit, for tests and help.
func (m *Model) Shown() []string {
	var out []string
	for _, c := range m.shown {
		out = append(out, m.cols[c].Title)
	}
	return out
}

func (m *Model) rows() int { return max(m.height-1, 1) }

func (m *Model) clamp() {
	n := m.Len()
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	rows := m.rows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = min(max(m.offset, 0), max(n-rows, 0))
}

// layout picks the columns that fit. Priority 0 columns always show. Each other
// column, most important first, shows only if it fits at its narrowest while the
// columns already chosen keep their preferred width: a less important column
// never squeezes a more important one — unless it is a Squeeze column, which
// needs only that every column chosen fits at its narrowest. The first column
// that doesn't fit ends the choice: none less important shows in its place.
// Then columns widen toward their preferred width in priority order, and the
// flexible column takes what is left.
func (m *Model) layout() {
	avail := m.width - m.prefix()
	order := make([]int, len(m.cols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return m.cols[order[a]].Priority < m.cols[order[b]].Priority })

	chosen := map[int]int{}
	used, pref := 0, 0 // width of the chosen at their narrowest and at their preferred
	add := func(c int) {
		if len(chosen) > 0 {
			used += gap
			pref += gap
		}
		chosen[c] = m.cols[c].min()
		used += m.cols[c].min()
		pref += max(m.cols[c].Width, m.cols[c].min())
	}
	dropped := false
	for _, c := range order {
		g := 0
		if len(chosen) > 0 {
			g = gap
		}
		col := m.cols[c]
		switch {
		case col.Priority == 0:
			add(c)
		case dropped:
		case pref+g+col.min() <= avail, col.Squeeze && used+g+col.min() <= avail:
			add(c)
		default:
			dropped = true
		}
	}
	for _, c := range order {
		w, ok := chosen[c]
		if !ok {
			continue
		}
		if grow := min(m.cols[c].Width-w, avail-used); grow > 0 {
			chosen[c] += grow
			used += grow
		}
	}
	for c, w := range chosen {
		if m.cols[c].Flex && avail > used {
			chosen[c] = w + avail - used
			used = avail
		}
	}
	m.shown, m.widths, m.abbrev = m.shown[:0], m.widths[:0], m.abbrev[:0]
	for c := range m.cols {
		if w, ok := chosen[c]; ok {
			m.shown = append(m.shown, c)
			m.widths = append(m.widths, w)
			m.abbrev = append(m.abbrev, m.cols[c].Abbrev != nil && w < m.cols[c].Width)
		}
	}
}

func (c Column) min() int {
	if c.Min > 0 {
		return c.Min
	}
	return c.Width
}

// Update moves the cursor for the list keys and reports whether it handled msg.
func (m *Model) Update(msg tea.Msg, km *keymap.KeyMap) bool {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return false
	}
	switch {
	case key.Matches(k, km.Up):
		m.SetCursor(m.cursor - 1)
	case key.Matches(k, km.Down):
		m.SetCursor(m.cursor + 1)
	case key.Matches(k, km.Top):
		m.SetCursor(0)
	case key.Matches(k, km.Bottom):
		m.SetCursor(m.Len() - 1)
	case key.Matches(k, km.PageUp):
		m.SetCursor(m.cursor - m.rows())
	case key.Matches(k, km.PageDown):
		m.SetCursor(m.cursor + m.rows())
	default:
		return false
	}
	return true
}

// WheelRows is how far one notch of the mouse wheel scrolls.
const WheelRows = 3

// Mouse takes a mouse event at msg.X, msg.Y counted from the table's top-left
// cell (its header line is 0): a left click on a row selects it, the wheel
// scrolls. It reports whether it did anything.
func (m *Model) Mouse(msg tea.MouseMsg) bool {
	switch {
	case msg.Button == tea.MouseButtonWheelUp && msg.Action == tea.MouseActionPress:
		return m.Scroll(-WheelRows)
	case msg.Button == tea.MouseButtonWheelDown && msg.Action == tea.MouseActionPress:
		return m.Scroll(WheelRows)
	case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress:
		return m.Click(msg.X, msg.Y)
	}
	return false
}

// Click selects the row drawn on line y (the header is line 0) when x is
// inside the table, and reports whether there was one.
func (m *Model) Click(x, y int) bool {
	if x < 0 || x >= m.width || y < 1 || y > m.rows() {
		return false
	}
	r := m.offset + y - 1
	if r >= m.Len() {
		return false
	}
	m.cursor = r
	return true
}

// Scroll moves the rows on screen by n (negative: up), the cursor with them
// when it would leave the screen; it reports whether anything moved.
func (m *Model) Scroll(n int) bool {
	rows := m.rows()
	off := min(max(m.offset+n, 0), max(m.Len()-rows, 0))
	cur := min(max(m.cursor, off), off+rows-1)
	cur = min(cur, max(m.Len()-1, 0))
	if off == m.offset && cur == m.cursor {
		return false
	}
	m.offset, m.cursor = off, cur
	return true
}

// View renders the header and the visible rows, height lines at most.
func (m *Model) View() string {
	var b strings.Builder
	b.Grow((m.width + 16) * m.height)
	head := make([]string, len(m.shown))
	for i, c := range m.shown {
		head[i] = m.cols[c].Title
		if m.mark != "" && c == m.markCol {
			head[i] = m.mark + " " + head[i]
		}
	}
	b.WriteString(m.st.TableHeader.Render(m.line(strings.Repeat(" ", m.prefix()), head)))

	n := m.Len()
	end := min(m.offset+m.rows(), n)
	cells := make([]string, len(m.shown))
	for r := m.offset; r < end; r++ {
		b.WriteByte('\n')
		marker := "  "
		switch {
		case r == m.cursor && m.Blurred:
			marker = "· "
		case r == m.cursor:
			marker = "› "
		}
		if m.Marker != nil {
			marker = marker[:len(marker)-1] + m.Marker(r) + " "
		}
		if r == m.cursor {
			for i := range m.shown {
				cells[i], _ = m.cell(r, i)
			}
			b.WriteString(m.st.RowSelected.Render(m.line(marker, cells)))
			continue
		}
		b.WriteString(marker)
		for i := range m.shown {
			text, tone := m.cell(r, i)
			if i > 0 {
				b.WriteString("  ")
			}
			paint := m.paint(tone)
			b.WriteString(paint[0])
			b.WriteString(fit(text, m.widths[i]))
			b.WriteString(paint[1])
		}
	}
	return b.String()
}

// cell is row r's text in the i-th shown column, abbreviated when the column is.
func (m *Model) cell(r, i int) (string, Tone) {
	c := m.shown[i]
	text, tone := m.src.Cell(r, c)
	if m.abbrev[i] {
		text = m.cols[c].Abbrev(text)
	}
	return text, tone
}

func (m *Model) line(marker string, cells []string) string {
	var b strings.Builder
	b.WriteString(marker)
	for i, text := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(fit(text, m.widths[i]))
	}
	return b.String()
}

// paint is the escape sequences a tone's style puts around text, worked out
// once: a cell is then two string writes instead of a lipgloss Render, which is
// most of a frame's cost. Cell styles set colours and weight only, so what they
// put around "X" is what they put around any one-line text.
func (m *Model) paint(t Tone) [2]string {
	if m.paints == nil {
		m.paints = map[Tone][2]string{}
	}
	if p, ok := m.paints[t]; ok {
		return p
	}
	var s lipgloss.Style
	switch t {
	case Dim:
		s = m.st.RowDim
	case Good:
		s = m.st.OK
	case Warn:
		s = m.st.Warn
	case Bad:
		s = m.st.Error
	default:
		s = m.st.Row
	}
	before, after, _ := strings.Cut(s.Render("X"), "X")
	p := [2]string{before, after}
	m.paints[t] = p
	return p
}

// fit cuts s to w cells with "…" and pads it to exactly w.
func fit(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}
