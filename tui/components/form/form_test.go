package form

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// values is what the test form is bound to, as a page's form would be.
type values struct {
	name, typ, expiry, custom string
}

// harness runs one Form as the root runs a page's form: the window size goes
// to SetSize (one line kept for the footer), keys and everything else to
// Update, and the footer shows Help.
type harness struct {
	ctx  *app.Context
	form *Form
	v    *values
}

func (h *harness) Init() tea.Cmd { return h.form.Init() }

func (h *harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		h.ctx.Width, h.ctx.Height = ws.Width, ws.Height
		h.form.SetSize(ws.Width, ws.Height-1)
		return h, nil
	}
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyCtrlC {
		return h, tea.Quit
	}
	return h, h.form.Update(msg)
}

// View is the form in its pane, cut to the pane as the root cuts it, and the
// footer.
func (h *harness) View() string {
	if h.ctx.Height < 2 {
		return ""
	}
	lines := strings.Split(h.form.View(), "\n")
	if len(lines) > h.ctx.Height-1 {
		lines = lines[:h.ctx.Height-1]
	}
	for len(lines) < h.ctx.Height-1 {
		lines = append(lines, "")
	}
	var help []string
	for _, b := range h.form.Help() {
		help = append(help, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(lines, "\n") + "\n" + strings.Join(help, " • ")
}

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// newKeyForm is the shape of the new-key form: a name, two selects, and the
// custom date on a page of its own, shown only when "Custom date…" is chosen.
func newKeyForm(t *testing.T, w, h int) (*harness, *testUser) {
	ctx := &app.Context{Styles: styles.New(asciiRenderer()), Keys: keymap.Default()}
	v := &values{typ: "import", expiry: "+30d"}
	check := func(s string) (string, error) {
		if s == "" {
			return "", errors.New("Expiration date is required.")
		}
		if s != "+45d" {
			return "", errors.New(s + " is not a date.")
		}
		return "valid through 14 Aug 2026", nil
	}
	f := New(ctx, "New API key", nil, func() *huh.Form {
		name := NewChecked(ctx.Styles, "Name", "What uses it.", &v.name, func(s string) (string, error) {
			if s == "" {
				return "", errors.New("Name is required.")
			}
			return "", nil
		})
		custom := NewChecked(ctx.Styles, "Expiration date", "YYYY-MM-DD or +30d.", &v.custom, check)
		return huh.NewForm(
			huh.NewGroup(name.Input,
				huh.NewSelect[string]().Title("Key type").Options(
					huh.NewOption("Audit logs", "audit-logs"), huh.NewOption("Import", "import"),
					huh.NewOption("Export", "export"), huh.NewOption("Modeling metadata", "modeling-metadata")).Value(&v.typ),
				huh.NewSelect[string]().Title("Expiration").Options(
					huh.NewOption("7 days", "+7d"), huh.NewOption("30 days", "+30d"), huh.NewOption("90 days", "+90d"),
					huh.NewOption("1 year", "+1y"), huh.NewOption("Custom date…", "custom")).Value(&v.expiry)),
			huh.NewGroup(custom.Input).WithHideFunc(func() bool { return v.expiry != "custom" }))
	})
	hn := &harness{ctx: ctx, form: f, v: v}
	return hn, start(t, hn, w, h)
}

// testUser drives a harness with real keys under teatest.
type testUser struct {
	t  *testing.T
	tm *teatest.TestModel
}

func start(t *testing.T, m tea.Model, w, h int) *testUser {
	return &testUser{t: t, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))}
}

func (u *testUser) waitFor(re string) {
	u.t.Helper()
	rx := regexp.MustCompile(re)
	teatest.WaitFor(u.t, u.tm.Output(), func(b []byte) bool {
		return rx.Match(bytes.ReplaceAll(b, []byte("\r"), nil))
	}, teatest.WithCheckInterval(2*time.Millisecond), teatest.WithDuration(testkit.WaitTimeout))
}

func (u *testUser) typ(s string) { u.tm.Type(s) }

func (u *testUser) press(k ...tea.KeyType) {
	for _, t := range k {
		u.tm.Send(tea.KeyMsg{Type: t})
	}
}

// finish ends the run and returns the harness's last frame.
func (u *testUser) finish() (*harness, string) {
	u.t.Helper()
	u.press(tea.KeyCtrlC)
	h := u.tm.FinalModel(u.t, teatest.WithFinalTimeout(testkit.WaitTimeout)).(*harness)
	return h, h.View()
}

// toKeyType fills the name and moves on to the key type.
func (u *testUser) toKeyType() {
	u.waitFor(`┃ Name`)
	u.typ("Deploy bot")
	u.waitFor(`Deploy bot`)
	u.press(tea.KeyEnter)
	u.waitFor(`┃ Key type`)
}

// filterAndEsc opens the focused select's filter, types in it and presses esc.
func (u *testUser) filterAndEsc() {
	u.typ("/ex")
	u.waitFor(`esc end filter`)
	u.press(tea.KeyEscape)
	u.waitFor(`esc cancel`)
}

// toCustomDate fills the name, keeps the key type and picks "Custom date…".
func (u *testUser) toCustomDate() {
	u.toKeyType()
	u.press(tea.KeyEnter)
	u.waitFor(`┃ Expiration`)
	u.typ("G")
	u.press(tea.KeyEnter)
	u.waitFor(`┃ Expiration date`)
}

// shift+tab from the custom date, empty or not a date, goes back to the
// Expiration select, which then has the keyboard; huh alone left no field
// focused there and only esc got out.
func TestShiftTabFromABadFieldGoesBack(t *testing.T) {
	for _, tt := range []struct{ name, typed string }{{"empty", ""}, {"invalid, after enter", "2026-13-45"}} {
		t.Run(tt.name, func(t *testing.T) {
			_, u := newKeyForm(t, 100, 30)
			u.toCustomDate()
			if tt.typed != "" {
				u.typ(tt.typed)
				u.press(tea.KeyEnter)
				u.waitFor(`is not a date`)
			}
			u.press(tea.KeyShiftTab)
			u.waitFor(`┃ › Custom date…`)
			u.typ("k") // up, to "1 year": the select has the keyboard
			u.waitFor(`┃ › 1 year`)
			h, view := u.finish()
			if h.v.expiry != "+1y" {
				t.Errorf("expiry = %q after shift+tab and k, want +1y: the select did not get the key\n%s", h.v.expiry, view)
			}
			if h.form.State() != Editing || h.v.name != "Deploy bot" {
				t.Errorf("state %v, name %q: want the form still open with the name", h.form.State(), h.v.name)
			}
			if strings.Contains(view, "Expiration date") {
				t.Errorf("the custom date page is still shown:\n%s", view)
			}
		})
	}
}

// Going back must not switch off validation going forward: enter on a bad
// custom date is still refused, next to the field.
func TestForwardStillValidates(t *testing.T) {
	_, u := newKeyForm(t, 100, 30)
	u.toCustomDate()
	u.press(tea.KeyShiftTab)
	u.waitFor(`┃ › Custom date…`)
	u.press(tea.KeyEnter)
	u.waitFor(`┃ Expiration date`)
	u.typ("tomorrow")
	u.press(tea.KeyEnter)
	u.waitFor(`✗ tomorrow is not a date\.`)
	h, _ := u.finish()
	if h.form.State() != Editing {
		t.Errorf("state %v: a bad date was submitted", h.form.State())
	}
}

// esc in a select's filter ends the filter and keeps the form; a second esc
// cancels it.
func TestEscInAFilterEndsTheFilter(t *testing.T) {
	_, u := newKeyForm(t, 100, 30)
	u.toKeyType()
	u.filterAndEsc()
	h, view := u.finish()
	if h.form.State() != Editing || h.v.name != "Deploy bot" {
		t.Fatalf("state %v, name %q after one esc in the filter: want the form open with the name\n%s", h.form.State(), h.v.name, view)
	}
	teatest.RequireEqualOutput(t, []byte(view+"\n"))

	_, u = newKeyForm(t, 100, 30)
	u.toKeyType()
	u.filterAndEsc()
	u.press(tea.KeyEscape)
	if h, _ = u.finish(); h.form.State() != Cancelled {
		t.Errorf("state %v after esc, esc: want cancelled", h.form.State())
	}
}

// Shrinking the terminal with the form open keeps the focused field in view;
// huh kept its old scroll offset until the next key.
func TestResizeKeepsTheFocusedFieldInView(t *testing.T) {
	_, u := newKeyForm(t, 120, 36)
	u.toKeyType()
	u.press(tea.KeyEnter)
	u.waitFor(`┃ Expiration`)
	u.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 16})
	_, view := u.finish()
	for _, want := range []string{"┃ Expiration", "┃ › 30 days", "┃   Custom date…", "esc cancel"} {
		if !strings.Contains(view, want) {
			t.Errorf("at 60×16 the frame lacks %q:\n%s", want, view)
		}
	}
	if n := strings.Count(view, "\n") + 1; n != 16 {
		t.Errorf("frame is %d lines", n)
	}
	for i, l := range strings.Split(view, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Errorf("line %d is %d cells wide", i+1, ansi.StringWidth(l))
		}
	}
	teatest.RequireEqualOutput(t, []byte(view+"\n"))
}

// At 60 columns the footer still says what esc does: the field's moves give
// way first.
func TestHelpKeepsEsc(t *testing.T) {
	_, u := newKeyForm(t, 60, 16)
	u.toKeyType()
	h, _ := u.finish()
	var keys []string
	width := -3
	for _, b := range h.form.Help() {
		keys = append(keys, b.Help().Key+" "+b.Help().Desc)
		width += ansi.StringWidth(b.Help().Key+" "+b.Help().Desc) + 3
	}
	line := strings.Join(keys, " • ")
	if !strings.HasSuffix(line, "esc cancel") {
		t.Errorf("footer at 60 columns: %q, want esc cancel last", line)
	}
	if width > 59 {
		t.Errorf("footer %q is %d cells, more than the 59 the root gives it", line, width)
	}
	if !strings.Contains(line, "enter") || !strings.Contains(line, "shift+tab back") {
		t.Errorf("footer %q dropped enter or back before the arrows", line)
	}
}

// Keys typed faster than the terminal is read ("jj" as one message) move a
// select as two presses do; huh's select dropped such a message whole. Runes
// into a text field still go there as typed.
func TestFastKeysMoveASelect(t *testing.T) {
	ctx := &app.Context{Styles: styles.New(asciiRenderer()), Keys: keymap.Default(), Width: 80, Height: 24}
	var name, pick string
	open := func(field huh.Field) *Form {
		f := New(ctx, "Pick", nil, func() *huh.Form { return huh.NewForm(huh.NewGroup(field)) })
		f.SetSize(80, 24)
		f.Init()
		return f
	}
	f := open(huh.NewSelect[string]().Title("By").Options(
		huh.NewOption("Anyone", "any"), huh.NewOption("Ana", "ana"),
		huh.NewOption("Bo", "bo"), huh.NewOption("system", "system")).Value(&pick))
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if pick != "bo" {
		t.Fatalf("after jj in one message the select holds %q, want %q (two rows down)", pick, "bo")
	}
	f = open(huh.NewInput().Title("Name").Value(&name))
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if name != "jj" {
		t.Fatalf("jj typed into a text field gave %q, want %q", name, "jj")
	}
}
