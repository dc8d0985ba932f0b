// Package form wraps a huh form for the TUI: built fresh for each use from the
// session's theme and keymap, fitted to the pane, esc to cancel, and rebuilt with
// the same values when the backend refuses what was submitted.
package form

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
)

// State is where the form is.
type State int

// States.
const (
	Editing   State = iota
	Submitted       // the admin submitted; the caller sends it to the backend
	Cancelled       // esc
	Sending         // waiting for the backend
)

// Form is one huh form with a title and lines of context above it.
type Form struct {
	ctx   *app.Context
	title string
	intro []string
	build func() *huh.Form
	huh   *huh.Form
	keys  *huh.KeyMap // the huh form's: Quit is switched off while a filter is open
	state State
	w, h  int
	// pending is what huh asked for while the form was refitted outside Update;
	// the next Update returns it.
	pending tea.Cmd
}

// New makes a form. build must bind its fields to values that outlive it, so
// that Rebuild shows what was typed.
func New(ctx *app.Context, title string, intro []string, build func() *huh.Form) *Form {
	f := &Form{ctx: ctx, title: title, intro: intro, build: build}
	f.make()
	return f
}

func (f *Form) make() {
	f.keys = f.ctx.Keys.Form()
	f.huh = f.build().
		WithTheme(f.ctx.Styles.Form).
		WithKeyMap(f.keys).
		WithShowHelp(false).
		WithShowErrors(false)
	f.state = Editing
	f.fit()
}

// Init focuses the first field.
func (f *Form) Init() tea.Cmd { return f.huh.Init() }

// Rebuild makes a fresh form over the same values, after the backend refused
// the submission; the status line says why.
func (f *Form) Rebuild() tea.Cmd {
	f.make()
	return f.huh.Init()
}

// State reports where the form is.
func (f *Form) State() State { return f.state }

// Sending marks the form as waiting for the backend.
func (f *Form) Sending() { f.state = Sending }

// SetSize fits the form to the pane.
func (f *Form) SetSize(w, h int) {
	f.w, f.h = w, h
	f.fit()
}

func (f *Form) fit() {
	if f.w <= 0 {
		return
	}
	f.huh.WithWidth(min(f.w, 72))
	f.huh.WithHeight(max(f.h-f.headerHeight(), 3))
	// huh scrolls a group to its focused field only when the group updates;
	// after a resize it would keep the old offset, and on a smaller terminal
	// the focused field would sit below the bottom, cut off, until the next key.
	// Any message that is not a key makes the group lay itself out again.
	_, cmd := f.huh.Update(refit{})
	f.pending = tea.Batch(f.pending, cmd)
}

// refit is a message only the form's fields see, and none of them answers.
type refit struct{}

func (f *Form) headerHeight() int {
	h := 2 // title and the blank line under the header
	if len(f.intro) > 0 {
		h += lipgloss.Height(f.introView())
	}
	return h
}

// introView is the intro wrapped to the pane: on a narrow terminal a sentence
// goes on two lines rather than being cut.
func (f *Form) introView() string {
	if len(f.intro) == 0 {
		return ""
	}
	st := f.ctx.Styles.Renderer().NewStyle()
	if f.w > 0 {
		st = st.Width(f.w)
	}
	return st.Render(strings.Join(f.intro, "\n"))
}

// Room is how many lines a form's fields get in a pane h lines high with these
// intro lines; a select taller than that should be given a height so it scrolls
// its options instead of being cut.
func Room(h int, intro []string) int {
	return max(h-2-len(intro), 3)
}

// Fit caps a select's height to room when its options would not fit.
func Fit[T comparable](s *huh.Select[T], options, room int) *huh.Select[T] {
	if options+1 > room {
		s.Height(room)
	}
	return s
}

// Update passes msg to the huh form and reports submission or cancellation.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	if f.state != Editing {
		return nil
	}
	// Window sizes come from the root as SetSize; huh would size itself to the
	// whole terminal.
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		return nil
	}
	if m, ok := msg.(tea.MouseMsg); ok {
		cmd, _ := f.click(m)
		return cmd
	}
	// Keys typed faster than the terminal is read arrive as one message of
	// several runes ("jj"); a select or a confirm matches no binding with it
	// and drops it, so outside a text field each rune is a press of its own.
	// (The root splits such messages only where keys are commands: it hands a
	// flow that takes every key the message whole.)
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste && !f.typing() {
		var cmds []tea.Cmd
		for i, r := range k.Runes {
			if f.state != Editing {
				break
			}
			if f.typing() { // a rune moved to a text field: the rest is typed there
				rest := k
				rest.Runes = k.Runes[i:]
				cmds = append(cmds, f.Update(rest))
				break
			}
			one := k
			one.Runes = []rune{r}
			cmds = append(cmds, f.Update(one))
		}
		return tea.Sequence(cmds...)
	}
	// esc in a select's filter ends the filter; only esc outside one cancels.
	// huh checks its Quit binding before the field sees the key.
	if _, ok := msg.(tea.KeyMsg); ok {
		f.keys.Quit.SetEnabled(!f.filtering())
	}
	m, cmd := f.huh.Update(msg)
	f.huh = m.(*huh.Form)
	cmd = tea.Batch(f.pending, cmd)
	f.pending = nil
	switch f.huh.State {
	case huh.StateCompleted:
		f.state = Submitted
	case huh.StateAborted:
		f.state = Cancelled
	}
	return cmd
}

// typing reports whether the focused field takes runes as text: an input, a
// text area, or a select's open filter.
func (f *Form) typing() bool {
	switch f.huh.GetFocusedField().(type) {
	case *huh.Input, *huh.Text, *Input:
		return true
	}
	return f.filtering()
}

// filtering reports whether the focused field is a select with its filter open.
func (f *Form) filtering() bool {
	fl, ok := f.huh.GetFocusedField().(interface{ GetFiltering() bool })
	return ok && fl.GetFiltering()
}

// Help is the focused field's bindings and what esc does, fitted to the
// footer: the moves within a field (↑ ↓) give way first, esc never does — it
// is the way out.
func (f *Form) Help() []key.Binding {
	esc := f.keys.Quit
	var want, moves []key.Binding
	if f.state == Editing {
		if f.filtering() {
			esc = f.keys.Select.SetFilter
		}
		for _, b := range f.huh.KeyBinds() {
			switch b.Help().Key {
			case "esc": // esc is shown once, last, with what it does now
			case "↑", "↓", "←", "→":
				moves = append(moves, b)
			default:
				want = append(want, b)
			}
		}
	}
	esc.SetEnabled(true)
	want = append(want, moves...)
	if f.ctx.Width <= 0 {
		return append(want, esc)
	}
	return keymap.Fit(want, []key.Binding{esc}, f.ctx.Width-1) // the footer's margin
}

// View renders the title, the intro and the form.
func (f *Form) View() string {
	st := f.ctx.Styles
	var b strings.Builder
	b.WriteString(st.PageTitle.Render(f.title))
	if len(f.intro) > 0 {
		b.WriteString("\n" + f.introView())
	}
	b.WriteString("\n\n")
	if f.state == Sending || f.state == Submitted {
		b.WriteString(st.Subtle.Render("Sending…"))
		return b.String()
	}
	b.WriteString(f.huh.View())
	return b.String()
}

// Watch is an accessor for a field bound to *v that calls changed after every
// change: huh re-evaluates its *Func titles and descriptions only when exported
// fields of their bindings change, and asynchronously; this keeps a summary in
// step with the choice as the admin moves through the options.
func Watch[T any](v *T, changed func()) huh.Accessor[T] {
	return &watched[T]{v: v, changed: changed}
}

type watched[T any] struct {
	v       *T
	changed func()
}

func (w *watched[T]) Get() T { return *w.v }

func (w *watched[T]) Set(v T) {
	*w.v = v
	if w.changed != nil {
		w.changed()
	}
}
