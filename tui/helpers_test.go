package tui

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// asciiRenderer is a renderer with no colour, as under NO_COLOR, so frames are
// plain text; the background is fixed so adaptive colours don't depend on the
// machine running the tests.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// user drives one TUI run under teatest with real keys, as a person at the
// terminal would.
type user struct {
	t    *testing.T
	tm   *teatest.TestModel
	c    *fake.Client
	clip *testkit.SyncBuffer // what the TUI wrote to copy to the clipboard
	w, h int
	// model is the root model the program runs, for a test that sends it
	// messages naming its parts; release lets a held call go on.
	model   tea.Model
	release func()
	// unsettled, when set, is called once a golden has seen a frame that is
	// not yet its own (TestGoldenWaitsOutALoadInFlight releases a load then).
	unsettled func()
}

func start(t *testing.T, c *fake.Client, w, h int) *user {
	t.Helper()
	clip := &testkit.SyncBuffer{}
	m := New(Options{Client: c, Renderer: asciiRenderer(), Clock: func() time.Time { return fake.Now }, Output: clip})
	return &user{t: t, tm: runSettling(t, m, w, h), c: c, clip: clip, w: w, h: h, model: m}
}

// runSettling runs the root model m under teatest on a w×h terminal, wrapped so that a
// golden can settle on its frame.
func runSettling(t *testing.T, m tea.Model, w, h int) *teatest.TestModel {
	return teatest.NewTestModel(t, &settling{Model: m}, teatest.WithInitialTermSize(w, h))
}

// settling is the root model as a golden test runs it: it can show the test
// the frame it would draw now, asked for on the program's own goroutine, and
// keep that frame. A golden waits for the frame it shows, not for a moment:
// what the TUI does off the UI goroutine (a list read, a change notice, a
// count for the header, a spinner's tick) may land in any order under load,
// and once the frame is the golden's, held, nothing that lands later (or not
// yet) changes what the test compares.
type settling struct {
	tea.Model
	held   bool
	status statuses // what the status line said (said_test.go)
}

// frameProbe asks the running program for its frame; with hold, it holds the
// model as it is from then on when that frame is want (any frame when want is
// "").
type frameProbe struct {
	want  string
	hold  bool
	reply chan<- string
}

func (w *settling) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if p, ok := msg.(frameProbe); ok {
		v := w.Model.View()
		if p.hold && (p.want == "" || v == p.want) {
			w.held = true
		}
		p.reply <- v
		return w, nil
	}
	switch p := msg.(type) {
	case statusWait:
		w.status.wait(p)
		return w, nil
	case statusDump:
		p.reply <- slices.Clone(w.status.said)
		return w, nil
	}
	if w.held {
		return w, nil
	}
	var cmd tea.Cmd
	w.Model, cmd = w.Model.Update(msg)
	w.status.note(w.Model)
	return w, cmd
}

// root is the model the program ran, without its settling wrapper.
func root(m tea.Model) *Model {
	if w, ok := m.(*settling); ok {
		m = w.Model
	}
	return m.(*Model)
}

// probe is the frame of now, held if it is want.
func (s *user) probe(want string) string { return s.ask(frameProbe{want: want, hold: true}) }

func (s *user) ask(p frameProbe) string {
	s.t.Helper()
	reply := make(chan string, 1)
	p.reply = reply
	s.tm.Send(p)
	select {
	case v := <-reply:
		return v
	case <-time.After(testkit.WaitTimeout):
		s.t.Fatal("the program did not answer for its frame")
		return ""
	}
}

// shows waits until the frame of now has text in it. Unlike waitFor, which
// reads what was written since the last wait, it sees the whole frame, so it
// can wait for a second thing the same frame brought, or for a part that comes
// on its own after the screen the last wait saw (details drawn again when the
// lists are read again). A status line's message is waited for with said,
// which sees every one the model said, not only the one of now.
func (s *user) shows(text string) {
	s.t.Helper()
	deadline := time.Now().Add(testkit.WaitTimeout)
	for !strings.Contains(s.ask(frameProbe{}), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the frame never showed %q:\n%s", text, s.ask(frameProbe{}))
		}
		<-time.After(2 * time.Millisecond)
	}
}

// settle waits until the frame is want and holds it there; with want "" it
// holds the frame of now. On a timeout it holds whatever shows, for the
// comparison to show what differs.
func (s *user) settle(want string) {
	s.t.Helper()
	if want == "" {
		s.probe("")
		return
	}
	deadline := time.Now().Add(testkit.WaitTimeout)
	for s.probe(want) != want {
		if s.unsettled != nil {
			s.unsettled()
			s.unsettled = nil
		}
		if time.Now().After(deadline) {
			s.probe("")
			return
		}
		<-time.After(2 * time.Millisecond)
	}
}

// goldenFrame is the frame testdata/<test>.golden shows, or "" under -update
// (the frame of now is the new golden then).
func (s *user) goldenFrame() string {
	s.t.Helper()
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join("testdata", s.t.Name()+".golden"))
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
}

// waitFor waits until text is written to the screen (after the last wait).
func (s *user) waitFor(text string) {
	s.t.Helper()
	teatest.WaitFor(s.t, s.tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithCheckInterval(2*time.Millisecond), teatest.WithDuration(testkit.WaitTimeout))
}

func (s *user) typ(text string) { s.tm.Type(text) }

func (s *user) press(keys ...tea.KeyType) {
	for _, k := range keys {
		s.tm.Send(tea.KeyMsg{Type: k})
	}
}

// finish quits and returns the root model's last frame.
func (s *user) finish() (*Model, string) {
	s.t.Helper()
	if err := s.tm.Quit(); err != nil {
		s.t.Fatal(err)
	}
	m := root(s.tm.FinalModel(s.t, teatest.WithFinalTimeout(testkit.WaitTimeout)))
	view := m.View()
	s.checkFits(view)
	return m, view
}

// golden waits for the frame testdata/<test>.golden shows (up to the usual
// timeout), quits and compares the last frame with it.
func (s *user) golden() *Model {
	s.t.Helper()
	s.settle(s.goldenFrame())
	m, view := s.finish()
	teatest.RequireEqualOutput(s.t, []byte(view+"\n"))
	return m
}

// checkFits fails when the frame is not exactly the terminal's size: a line too
// wide would wrap and shift everything below it.
func (s *user) checkFits(view string) {
	s.t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != s.h {
		s.t.Errorf("frame has %d lines, terminal has %d", len(lines), s.h)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > s.w {
			s.t.Errorf("line %d is %d cells wide, terminal has %d: %q", i+1, w, s.w, l)
		}
	}
}

// The steps below are what a user does, named, so that a test reads as the
// story it checks. Each waits for the screen the step leads to.

// listed waits for the sample's key list ("Billing imp…" at 60 columns).
func (s *user) listed() { s.waitFor("Billing imp") }

// down moves the selection n rows down.
func (s *user) down(n int) { s.typ(strings.Repeat("j", n)) }

// openCreateForm opens the new-key form.
func (s *user) openCreateForm() {
	s.typ("n")
	s.waitFor("New API key")
}

// toField submits the focused field and waits for the next one, titled title.
func (s *user) toField(title string) {
	s.press(tea.KeyEnter)
	s.waitFor("┃ " + title)
}

// typeName types a name and waits until it shows.
func (s *user) typeName(name string) {
	s.typ(name)
	s.waitFor(name)
}

// chooseCustomExpiry picks the last expiration option, "Custom date…", types
// input and waits for the date it means.
func (s *user) chooseCustomExpiry(input, validThrough string) {
	s.typ("G")
	s.press(tea.KeyEnter)
	s.waitFor("Expiration date")
	s.typ(input)
	s.waitFor("valid through " + validThrough)
}

// createKey fills the new-key form with a name, the key type the form starts on
// moved down typeDown times, and the default expiration, and submits it.
func (s *user) createKey(name string, typeDown int) {
	s.openCreateForm()
	s.typeName(name)
	s.toField("Key type")
	s.down(typeDown)
	s.toField("Expiration")
	s.press(tea.KeyEnter)
}

// openEditForm edits the selected key, named name.
func (s *user) openEditForm(name string) {
	s.typ("e")
	s.waitFor("Edit “" + name + "”")
}

// openRotateForm rotates the selected key, which is not expired.
func (s *user) openRotateForm() {
	s.typ("r")
	s.waitFor("Grace for the old key")
}

// toRotateConfirmation takes the rotation form's defaults for whatever is left
// (the grace and the new key's expiration) up to the confirmation of name.
func (s *user) toRotateConfirmation(name string) {
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate “" + name + "” (") // then its hint
}

// rotateSelected rotates the selected key, named name, with the defaults, and
// waits for its secret.
func (s *user) rotateSelected(name string) {
	s.openRotateForm()
	s.toRotateConfirmation(name)
	s.typ("y")
	s.waitFor("won't be shown again")
	s.said("Rotated “" + name + "”")
}

// markThree marks the three newest keys: Partner import (the replacement),
// Nightly export to S3 and Billing import.
func (s *user) markThree() {
	s.listed()
	s.typ("   ")
	s.waitFor("3 marked")
}

// toBulkConfirmation opens the form on the marked keys and goes to the
// confirmation with the defaults.
func (s *user) toBulkConfirmation() {
	s.typ("r")
	s.waitFor("Grace for the old keys")
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.waitFor("Rotate these")
}

// rotateMarked rotates the marked keys with the defaults.
func (s *user) rotateMarked() {
	s.toBulkConfirmation()
	s.typ("y")
}

// openMembers goes from the start screen to the Members page, focused on its list.
func (s *user) openMembers() {
	s.listed()
	s.press(tea.KeyTab)
	s.typ("g")
	s.waitFor("Eve Adams")
	s.press(tea.KeyTab)
}

// openAuditLog goes from the start screen to the Audit log page, focused on it.
func (s *user) openAuditLog() {
	s.listed()
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("ApiKeyRotated")
	s.press(tea.KeyTab)
}

// openDeleteConfirmation asks to delete the selected key, named name.
func (s *user) openDeleteConfirmation(name string) {
	s.typ("d")
	s.waitFor("Delete “" + name + "” (") // then its hint
}

// openAccountTypeForm, on the Members page, changes the selected member's
// account type; name is theirs.
func (s *user) openAccountTypeForm(name string) {
	s.typ("t")
	s.waitFor("Account type of “" + name + "”")
}

// openDevPatelsAccountType goes to the Members page and opens the account type
// form of Dev Patel, a Builder.
func (s *user) openDevPatelsAccountType() {
	s.openMembers()
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyDown)
	s.waitFor("› Dev Patel")
	s.openAccountTypeForm("Dev Patel")
}
