package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/field"
)

// Writing the secrets to a file (w) is offered only in a session on the
// member's own machine (app.Context.Local): over SSH the file would land on
// the server. The file is made new with mode 0600 — never over one that
// exists — and holds the same NAME=SECRET lines C copies. Nothing is logged,
// and a failure names only the path.

var writeFile = key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write to a file"))

// canWrite reports whether w is offered.
func (p *Panel) canWrite() bool { return p.ctx.Local && len(p.entries) > 1 && !p.allGone() }

// startWrite opens the path field under the secrets.
func (p *Panel) startWrite() tea.Cmd {
	st := p.ctx.Styles
	in := field.New(st, "Write them to: ", "a new file, e.g. ~/rotated.env")
	in.CharLimit = 4096
	in.Width = max(min(p.width, Width+22)-4-len(in.Prompt)-1, 10)
	p.path = &in
	return in.Focus()
}

// pathKey takes a key while the path field is open: enter writes, esc
// closes the field, anything else is typing.
func (p *Panel) pathKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.path = nil
		return app.Info("Nothing written.")
	case "enter":
		path := strings.TrimSpace(p.path.Value())
		if path == "" {
			return nil
		}
		full, problem := p.writeTo(path)
		if problem != "" {
			return app.Problem(problem)
		}
		p.path = nil
		for i := range p.copied {
			p.copied[i] = true
		}
		return app.Info(fmt.Sprintf("Wrote %d secrets as NAME=SECRET lines to %s (mode 0600).", len(p.entries), model.Sanitize(full)))
	}
	in, cmd := p.path.Update(msg)
	p.path = &in
	return cmd
}

// writeTo makes the file at path (~/ is the home directory) and writes the
// secrets to it; it returns the path written, or what went wrong, as the
// status line says it, with no secret in it.
func (p *Panel) writeTo(path string) (full, problem string) {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "Couldn't find your home directory: write the whole path."
		}
		path = filepath.Join(home, rest)
	}
	full, err := filepath.Abs(path)
	if err != nil {
		full = path
	}
	shown := model.Sanitize(full)
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return "", shown + " exists already: give a new file's name (nothing is overwritten)."
	case errors.Is(err, fs.ErrNotExist):
		return "", "Couldn't make " + shown + ": its directory doesn't exist."
	case errors.Is(err, fs.ErrPermission):
		return "", "Couldn't make " + shown + ": permission denied."
	case err != nil:
		return "", "Couldn't make " + shown + "."
	}
	_, werr := f.WriteString(p.lines())
	cerr := f.Close()
	if werr != nil || cerr != nil {
		// Half a file of secrets is worse than none.
		_ = os.Remove(full)
		return "", "Couldn't write " + shown + "; it was removed, nothing is saved."
	}
	return full, ""
}
