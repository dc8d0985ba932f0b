package form

import (
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/tui/styles"
)

// Checked is a text field that explains its value right under its title: the
// hint while nothing is wrong, a live note ("valid through 30 Jun 2027") when
// the value means something, and the validation error once the admin has tried
// to move on. huh v1 puts errors at the bottom of the form; this keeps them next
// to the field they are about.
type Checked struct {
	Input *huh.Input
	value *string
	hint  string
	check func(string) (note string, err error)
	st    *styles.Styles
	tried bool
	// OnChange, when set, runs after every change of the value, for a summary
	// elsewhere in the form that depends on it.
	OnChange func()
}

// NewChecked makes a text input bound to value. check returns a note to show
// for a good value, or the error for a bad one.
func NewChecked(st *styles.Styles, title, hint string, value *string, check func(string) (string, error)) *Checked {
	c := &Checked{value: value, hint: hint, check: check, st: st}
	c.Input = huh.NewInput().Title(title).Accessor(c).Validate(c.validate)
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
