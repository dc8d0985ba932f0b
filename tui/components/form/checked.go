package form

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Checked is a text field that explains its value right under its title: the
// hint while nothing is wrong, a live note ("valid through 30 Jun 2027") when
// the value means something, and the validation error once the admin has tried
// to move on. huh v1 puts errors at the bottom of the form; this keeps them next
// to the field they are about.
//
// It is the one way a form of this TUI validates a field, because it validates
// only when the admin moves forward (enter or tab). huh v1.0.0 also validates on
// every blur, and its form refuses to go back a group while the field left
// behind has an error: shift+tab from an empty or bad field on a page of its own
// (the custom date) blurred it and stayed there, with nothing focused, so that
// only esc — losing the form — got out (charmbracelet/huh#655, #789).
type Checked struct {
	Input *Input
	value *string
	hint  string
	check func(string) (note string, err error)
	st    *styles.Styles
	tried bool
	// blurring is set while huh blurs the field, whose validation then passes.
	blurring bool
	// OnChange, when set, runs after every change of the value, for a summary
	// elsewhere in the form that depends on it.
	OnChange func()
}

// Input is the huh text input of a Checked field. Put it in a group like any
// huh field; its methods are huh's.
type Input struct {
	*huh.Input
	c *Checked
}

// Update implements huh.Field. huh puts whatever Update returns back in the
// group, so it must be the wrapper, not the *huh.Input inside it.
func (i *Input) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := i.Input.Update(msg)
	return i, cmd
}

// Blur implements huh.Field: it leaves the field without validating it. Moving
// forward has validated it already; moving back must not be refused.
func (i *Input) Blur() tea.Cmd {
	i.c.blurring = true
	defer func() { i.c.blurring = false }()
	return i.Input.Blur()
}

// NewChecked makes a text input bound to value. check returns a note to show
// for a good value, or the error for a bad one.
func NewChecked(st *styles.Styles, title, hint string, value *string, check func(string) (string, error)) *Checked {
	c := &Checked{value: value, hint: hint, check: check, st: st}
	c.Input = &Input{Input: huh.NewInput().Title(title).Accessor(c).Validate(c.validate), c: c}
	c.describe(*value)
	return c
}

// Get implements huh.Accessor.
func (c *Checked) Get() string { return *c.value }

// Set implements huh.Accessor; huh calls it on every keystroke, so the note
// follows what is typed.
func (c *Checked) Set(v string) {
	*c.value = v
	c.describe(v)
	if c.OnChange != nil {
		c.OnChange()
	}
}

func (c *Checked) validate(v string) error {
	if c.blurring {
		return nil
	}
	c.tried = true
	_, err := c.check(v)
	c.describe(v)
	return err
}

func (c *Checked) describe(v string) {
	note, err := c.check(v)
	switch {
	case err != nil && c.tried:
		c.Input.Description(c.st.Error.Render("✗ " + err.Error()))
	case err == nil && note != "":
		c.Input.Description(c.st.OK.Render("✓ " + note))
	default:
		c.Input.Description(c.hint)
	}
}

// Show shows the value's error at once, as if the admin had tried to move on:
// for a value the backend refused, shown next to its field when the form is
// built again.
func (c *Checked) Show() {
	c.tried = true
	c.describe(*c.value)
}
