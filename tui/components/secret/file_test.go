package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

func testPanel(t *testing.T, local bool, n int) (*Panel, []string) {
	t.Helper()
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	ctx := &app.Context{Styles: styles.New(r), Keys: keymap.Default(), Local: local}
	var entries []Entry
	var secrets []string
	for i := range n {
		s, err := model.NewSecret(model.KeyImport)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, Entry{Name: "Service " + string(rune('A'+i)), Type: model.KeyImport, Secret: s})
		secrets = append(secrets, s.Reveal())
	}
	p := New(ctx, entries...)
	p.SetSize(80, 20)
	return p, secrets
}

func keys(p *Panel, text string) tea.Cmd {
	var last tea.Cmd
	for _, r := range text {
		k := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		last, _ = p.Key(k)
	}
	return last
}

func status(cmd tea.Cmd) app.Status {
	if cmd == nil {
		return app.Status{}
	}
	s, _ := cmd().(app.Status)
	return s
}

// w writes every secret as NAME=SECRET lines to a new 0600 file, then counts
// them as saved; it never overwrites a file, and neither a refusal nor the
// status line carries a secret.
func TestWriteToAFile(t *testing.T) {
	p, secrets := testPanel(t, true, 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "rotated.env")
	keys(p, "w")
	if !strings.Contains(p.View(), "Write them to:") {
		t.Fatalf("w opens the path field:\n%s", p.View())
	}
	keys(p, path)
	done, _ := p.Key(tea.KeyMsg{Type: tea.KeyEnter})
	st := status(done)
	if st.Error || !strings.Contains(st.Text, "Wrote 3 secrets") || !strings.Contains(st.Text, "(mode 0600)") {
		t.Errorf("status = %+v", st)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "SERVICE_A=" + secrets[0] + "\nSERVICE_B=" + secrets[1] + "\nSERVICE_C=" + secrets[2] + "\n"
	if string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if p.Precious() != "" {
		t.Errorf("written secrets count as saved: %q", p.Precious())
	}

	// Again, to the same path: refused, the file untouched.
	q, _ := testPanel(t, true, 2)
	keys(q, "w")
	keys(q, path)
	again, _ := q.Key(tea.KeyMsg{Type: tea.KeyEnter})
	st = status(again)
	if !st.Error || !strings.Contains(st.Text, "exists already") {
		t.Errorf("status = %+v, want a refusal to overwrite", st)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, data) {
		t.Error("the file was overwritten")
	}
	if q.Precious() == "" {
		t.Error("a refused write saves nothing: the secrets are still precious")
	}
	for _, s := range append(secrets, q.lines()) {
		if strings.Contains(st.Text, strings.TrimSpace(s)) {
			t.Errorf("a secret reached the status line: %q", st.Text)
		}
	}
	// A directory that doesn't exist: said so, nothing made.
	keys(q, "") // the field is still open, with the path typed
	q.path.SetValue(filepath.Join(dir, "nope", "x.env"))
	st = status(func() tea.Cmd { c, _ := q.Key(tea.KeyMsg{Type: tea.KeyEnter}); return c }())
	if !st.Error || !strings.Contains(st.Text, "directory doesn't exist") {
		t.Errorf("status = %+v", st)
	}
	// esc closes the field and writes nothing.
	if st := status(func() tea.Cmd { c, _ := q.Key(tea.KeyMsg{Type: tea.KeyEsc}); return c }()); st.Text != "Nothing written." || q.path != nil {
		t.Errorf("esc: %+v", st)
	}
}

// Over SSH (not Local) w is not offered: the file would be on the server.
func TestWriteOnlyLocally(t *testing.T) {
	p, _ := testPanel(t, false, 3)
	keys(p, "w")
	if p.path != nil {
		t.Error("w opened the path field in a remote session")
	}
	for _, b := range p.Help() {
		if b.Help().Key == "w" {
			t.Error("help offers w in a remote session")
		}
	}
	l, _ := testPanel(t, true, 1)
	if l.canWrite() {
		t.Error("one secret is copied with c; w is for a bulk result")
	}
}

// More secrets than fit: the panel says C copies them all at once (and,
// locally, w writes them).
func TestOverflowSaysHowToTakeThemAll(t *testing.T) {
	p, _ := testPanel(t, true, 12)
	v := p.View()
	if !strings.Contains(v, "12 secrets: C copies them all; w writes a new 0600 file.") {
		t.Errorf("the panel should say how to take all 12:\n%s", v)
	}
	r, _ := testPanel(t, false, 12)
	if v := r.View(); !strings.Contains(v, "C copies them all.") || strings.Contains(v, "w writes") {
		t.Errorf("remote: C only:\n%s", v)
	}
}
