// Package flows holds the flows every page uses: a form with one lifecycle
// (submit, send, refused, conflict, the row deleted elsewhere), details that
// follow their row, and the one-time secret panel.
package flows

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
)

// Send is what a submitted form does: a backend call (Label and Call), or,
// with no Call, an end at once with Result (nothing to save, a Cancel).
type Send struct {
	Label  string
	Call   func(ctx context.Context) (any, error)
	Result any
}

// Row is the stored row a form is about. When the change feed names it the
// form reads it again, quietly: a row deleted elsewhere closes the form and
// says so. After a conflict the form takes the row as it is now (Adopt), so
// submitting again applies what was typed to it; a change made meanwhile is
// not adopted silently, so it still meets the conflict that names who made it.
type Row struct {
	Kind client.NoticeKind
	ID   string
	Name string // as shown, for "“Name” was deleted elsewhere"
	// Get reads the row; Gone says, if it no longer exists, what to tell the
	// member; Adopt makes it the form's target (its version).
	Get   func(ctx context.Context) (any, error)
	Gone  func(row any) string
	Adopt func(row any)
}

// Form is the lifecycle of a huh form as a flow. Refused (invalid input, a
// rule, the backend down): the form is built again over the same values, the
// reason goes to the status line and, when the refusal names a field, next to
// that field. Conflict (someone changed the row since it was read): the row
// is read again quietly and the values are kept, so submitting again applies
// what was typed to the row as it is now. Deleted elsewhere: the form closes
// and says so.
type Form struct {
	app.Base
	ctx     *app.Context
	form    *form.Form
	submit  func() (Send, error)
	row     *Row
	vals    any // what the fields are bound to, to tell typed text from none
	start   any
	ended   bool
	handing bool               // ended, handing what it made to the next flow
	sending bool               // its call is in flight
	field   map[string]refusal // per field: the refused value and why
	last    map[string]string  // per field: the value last checked

	then      func(any) app.Flow
	onRefused func()
	conflict  error // the conflict the row is being read again for
	inputs    map[string]*form.Checked
}

type refusal struct {
	value string
	err   error
}

// Messages of the form's own calls, inside app.Done.
type (
	sent struct {
		f      *Form
		result any
	}
	reread struct {
		f     *Form
		row   any
		adopt bool
	}
)

// Gone is the Result of a form whose row (ID) was deleted elsewhere; Text
// says so.
type Gone struct{ Text, ID string }

// Spec describes a form.
type Spec struct {
	Title string
	Intro []string
	// Build makes the huh form; its fields must be bound to Values, which
	// outlive it, so building again shows what was typed.
	Build  func(f *Form) *huh.Form
	Values any // a pointer to the values, compared with their start for Precious
	// Submit reads the values once the form is submitted.
	Submit func() (Send, error)
	Row    *Row
	// Then, when set, is the flow that takes the form's place once it is
	// done with a result (the secret panel after a key is made); nil for none.
	Then func(result any) app.Flow
	// Refused, when set, runs before the form is built again after the
	// backend refused it (a confirmation goes back to Cancel).
	Refused func()
}

// NewForm makes a form flow.
func NewForm(ctx *app.Context, s Spec) *Form {
	f := &Form{ctx: ctx, submit: s.Submit, row: s.Row, vals: s.Values, then: s.Then, onRefused: s.Refused}
	if s.Values != nil {
		f.start = reflect.ValueOf(s.Values).Elem().Interface()
	}
	f.form = form.New(ctx, s.Title, s.Intro, func() *huh.Form { return s.Build(f) })
	return f
}

// Init implements app.Flow.
func (f *Form) Init() tea.Cmd { return f.form.Init() }

// SetSize implements app.Flow.
func (f *Form) SetSize(w, h int) { f.form.SetSize(w, h) }

// View implements app.Flow.
func (f *Form) View() string { return f.form.View() }

// ShortHelp implements app.Flow.
func (f *Form) ShortHelp() []key.Binding { return f.form.Help() }

// Precious implements app.Flow: what was typed, until the form ends.
func (f *Form) Precious() string {
	if f.handing {
		// What it made (a secret) is on its way to the next flow.
		return "A new secret hasn't been shown yet."
	}
	if f.ended || f.vals == nil || reflect.DeepEqual(reflect.ValueOf(f.vals).Elem().Interface(), f.start) {
		return ""
	}
	return "What you typed in this form hasn't been saved."
}

// Checked is a text field of the form named field (the name the backend's
// refusals give it): a value refused for it is shown next to it, at once, until
// it is changed.
func (f *Form) Checked(field, title, hint string, value *string, check func(string) (string, error)) *form.Checked {
	c := form.NewChecked(f.ctx.Styles, title, hint, value, f.Check(field, check))
	if f.inputs == nil {
		f.inputs = map[string]*form.Checked{}
	}
	f.inputs[field] = c
	return c
}

// Check wraps a field's check so that a value the backend refused for field
// is refused there too until it is changed.
func (f *Form) Check(field string, check func(string) (string, error)) func(string) (string, error) {
	return func(s string) (string, error) {
		if f.last == nil {
			f.last = map[string]string{}
		}
		f.last[field] = s
		if r, ok := f.field[field]; ok && r.value == s {
			return "", r.err
		}
		return check(s)
	}
}

// Refuse is a submission refused before it was sent: the form stays, with
// err next to its field and in the status line.
func (f *Form) Refuse(err error) tea.Cmd { return f.refused(err) }

func (f *Form) end(result any) tea.Cmd {
	f.ended = true
	if f.then != nil && result != nil {
		if next := f.then(result); next != nil {
			// Handing a secret on is handing something precious; a next
			// flow with nothing at stake (a confirmation) is just next.
			f.handing = next.Precious() != ""
			return app.Hand(f, result, next)
		}
	}
	return app.Close(f, result)
}

// Update implements app.Flow.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case app.Done:
		return f.done(msg)
	case app.Changed:
		// While the form's own call is in flight, the change is likely its
		// own; its answer says what happened.
		if f.row != nil && !f.ended && !f.sending && msg.About(f.row.Kind, f.row.ID) {
			return f.reread(false)
		}
		return nil
	case app.Reload:
		if f.row != nil {
			return f.reread(true)
		}
		return nil
	}
	cmd := f.form.Update(msg)
	switch f.form.State() {
	case form.Cancelled:
		return tea.Batch(cmd, f.end(nil))
	case form.Submitted:
		s, err := f.submit()
		if err != nil {
			return tea.Batch(cmd, f.refused(err))
		}
		if s.Call == nil {
			return tea.Batch(cmd, f.end(s.Result))
		}
		f.form.Sending()
		f.sending = true
		call := s.Call
		return tea.Batch(cmd, f.ctx.Call(s.Label, func(ctx context.Context) (tea.Msg, error) {
			r, err := call(ctx)
			return sent{f, r}, err
		}))
	}
	return cmd
}

func (f *Form) done(d app.Done) tea.Cmd {
	switch m := d.Msg.(type) {
	case sent:
		if m.f != f {
			return nil
		}
		f.sending = false
		if d.Err == nil {
			return f.end(m.result)
		}
		// The status line shows d.Err already (the root gave it the Done).
		if f.onRefused != nil {
			f.onRefused()
		}
		if model.KindOf(d.Err) == model.KindConflict && f.row != nil {
			f.conflict = d.Err
			return tea.Batch(f.form.Rebuild(), f.reread(true))
		}
		if model.KindOf(d.Err) == model.KindNotFound && f.row != nil {
			return f.reread(false)
		}
		return f.refusedQuietly(d.Err)
	case reread:
		if m.f != f || f.ended || f.sending {
			return nil
		}
		if d.Err != nil {
			if model.KindOf(d.Err) == model.KindNotFound {
				return f.end(Gone{Text: f.row.deleted(), ID: f.row.ID})
			}
			return nil
		}
		if gone := f.row.Gone(m.row); gone != "" {
			return f.end(Gone{Text: gone, ID: f.row.ID})
		}
		if m.adopt {
			f.row.Adopt(m.row)
			if err := f.conflict; err != nil {
				f.conflict = nil
				text := strings.TrimSuffix(app.Message(err), " — reload.") +
					" — reloaded it: submit again to save what you typed over it."
				return app.Problem(text)
			}
		}
	}
	return nil
}

// reread reads the row again without a spinner: the status line keeps what
// it says (the conflict the member is reading).
func (f *Form) reread(adopt bool) tea.Cmd {
	get := f.row.Get
	return f.ctx.Quiet("Reading "+f.row.ID, func(ctx context.Context) (tea.Msg, error) {
		r, err := get(ctx)
		return reread{f, r, adopt}, err
	})
}

func (f *Form) refused(err error) tea.Cmd {
	return tea.Batch(f.refusedQuietly(err), app.Fail(err))
}

// refusedQuietly builds the form again over the values, with err next to its
// field when it names one.
func (f *Form) refusedQuietly(err error) tea.Cmd {
	var e *model.Error
	if errors.As(err, &e) && e.Kind == model.KindInvalid && e.Field != "" {
		if v, ok := f.last[e.Field]; ok {
			if f.field == nil {
				f.field = map[string]refusal{}
			}
			f.field[e.Field] = refusal{value: v, err: err}
		}
	}
	cmd := f.form.Rebuild()
	for field := range f.field {
		if c := f.inputs[field]; c != nil {
			c.Show()
		}
	}
	return cmd
}

func (r *Row) deleted() string {
	return "“" + r.Name + "” was deleted elsewhere; nothing was changed."
}

// KeyRow is the key *k as a form's Row: a form about it closes, saying so,
// when it is deleted elsewhere, and takes its latest version after a conflict.
func KeyRow(c client.Client, k *model.Key) *Row {
	id := k.ID
	r := &Row{Kind: client.NoticeKey, ID: id, Name: model.Sanitize(k.Name),
		Get: func(ctx context.Context) (any, error) { return c.GetKey(ctx, id) }}
	r.Gone = func(row any) string {
		if row.(model.Key).DeletedAt != nil {
			return r.deleted()
		}
		return ""
	}
	r.Adopt = func(row any) { *k = row.(model.Key) }
	return r
}
