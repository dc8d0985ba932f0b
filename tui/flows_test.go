package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// flowKinds is every kind of flow, by package and type name, with a way to put
// it on screen holding an uncopied secret; nil for a kind that never holds one
// (and says why). TestEveryFlowKindIsWalked fails when a new kind is missing.
var flowKinds = map[string]func(t *testing.T) *user{
	// The secret panel: a new key's secret, a bulk rotation's, a webhook's
	// signing secret.
	"flows.Secret": func(t *testing.T) *user { return secretShown(t, false) },
	// A bulk rotation in flight: its new secrets are still to be shown.
	"rotation.run": func(t *testing.T) *user {
		c := fake.Sample(t, fake.Owner)
		release := c.Hold("RotateKey:key_export")
		t.Cleanup(release)
		s := start(t, c, gw, gh)
		s.markThree()
		s.rotateMarked()
		s.waitFor("Nightly export to S3  rotating")
		s.release = release
		return s
	},
	// A form holds typed text, never a secret: it hands a secret it made to
	// the secret panel in the same step (app.Hand).
	"flows.Form": nil,
	// Details and deliveries show rows, never a secret.
	"flows.Details": nil,
	// The first-run welcome says what was set up: names and paths, no secret.
	"flows.Welcome":           nil,
	"webhooks.deliveriesFlow": nil,
	// The hygiene view lists keys (hints only), never a secret.
	"hygiene.View": nil,
}

// Every type that embeds app.Base under tui/ is a flow kind, and must be in
// flowKinds.
func TestEveryFlowKindIsWalked(t *testing.T) {
	var found []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				if sel, ok := fl.Type.(*ast.SelectorExpr); ok && len(fl.Names) == 0 && sel.Sel.Name == "Base" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "app" {
						found = append(found, f.Name.Name+"."+ts.Name.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < len(flowKinds) {
		t.Fatalf("found only %v: is the scan broken?", found)
	}
	for _, k := range found {
		if _, ok := flowKinds[k]; !ok {
			t.Errorf("flow kind %s is not in flowKinds: say how it holds a secret (and walk it) or why it never does", k)
		}
	}
	for k := range flowKinds {
		if !slices.Contains(found, k) {
			t.Errorf("flowKinds names %s, which is no longer a flow", k)
		}
	}
}

// Every way of ending the program, the page or the flow, tried on every kind of
// flow holding an uncopied secret: the program keeps running and the secret
// stays until the member says y to the question.
func TestNoFlowLosesASecretWithoutAsking(t *testing.T) {
	// ask is what shows before the member answers No (n); "" when nothing is
	// asked, the flow just stays.
	endings := []struct {
		name, ask string
		do        func(*user)
	}{
		{"q", "Quit anyway? (y/N)", func(s *user) { s.typ("q") }},
		{"ctrl+c", "Quit anyway? (y/N)", func(s *user) { s.press(tea.KeyCtrlC) }},
		{"esc", "", func(s *user) { s.press(tea.KeyEsc) }},
		{"enter", "", func(s *user) { s.press(tea.KeyEnter) }},
		{"tab to the sidebar and away", "", func(s *user) { s.press(tea.KeyTab); s.typ("g") }},
		{"ctrl+r", "", func(s *user) { s.press(tea.KeyCtrlR) }},
		{"quit from outside", "Quit anyway? (y/N)", func(s *user) { s.tm.Send(app.Quit{}) }},
		{"server shutdown", "The server is shutting down", func(s *user) { s.tm.Send(app.ShuttingDown{In: time.Minute}) }},
		{"idle warning", "without a keystroke", func(s *user) { s.tm.Send(app.IdleWarning{Left: time.Minute}) }},
	}
	for kind, show := range flowKinds {
		if show == nil {
			continue
		}
		for _, e := range endings {
			t.Run(kind+"/"+e.name, func(t *testing.T) {
				s := show(t)
				e.do(s)
				if e.ask != "" {
					s.waitFor(e.ask)
				}
				s.typ("n") // No to whatever was asked
				if s.release != nil {
					s.release() // the run goes on to its panel
					s.waitFor("keys rotated")
				}
				if e.name == "server shutdown" {
					// Still running; saved, nothing holds the session.
					s.typ("s")
					s.tm.WaitFinished(t, teatest.WithFinalTimeout(testkit.WaitTimeout))
					return
				}
				s.stillThere()
				m, _ := s.finish()
				if !holdsSecret(m) {
					t.Fatal("the secret panel is gone")
				}
			})
		}
	}
}

// The stack itself asks before popping a flow that is still Precious, whatever
// made it end: a flow whose author forgot a path can't lose a secret by it.
func TestPopOfAPreciousFlowAsks(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), gw, gh)
	s.listed()
	f := &precious{}
	m := s.tm
	m.Send(app.Pushed{From: pageOf(t, s), Flow: f})
	s.waitFor("a precious thing")
	m.Send(app.Pop{Flow: f})
	s.waitFor("Close anyway? (y/N)")
	s.typ("n")
	s.waitFor("x keep it")
	m.Send(app.Pop{Flow: f})
	s.waitFor("Close anyway? (y/N)")
	s.typ("y")
	s.waitFor("/6 · by")
	final, _ := s.finish()
	if final.top(final.active) != nil {
		t.Fatal("the flow is still on the stack after y")
	}
}

// pageOf is the API Keys page of the program s drives.
func pageOf(t *testing.T, s *user) app.Page {
	t.Helper()
	m := s.model.(*Model)
	return m.pages[m.keysPage()]
}

type precious struct{ app.Base }

func (*precious) Update(tea.Msg) tea.Cmd { return nil }
func (*precious) View() string           { return "a precious thing" }
func (*precious) SetSize(int, int)       {}
func (*precious) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "keep it"))}
}
func (*precious) Precious() string { return "Something precious is on screen." }
