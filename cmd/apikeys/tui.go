package main

import (
	"errors"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/tui"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// runTUI opens the terminal UI on the local workspace. Over SSH the server runs
// the TUI itself for sessions without a command, so a remote `apikeys` with no
// arguments only prints help.
func runTUI(cmd *cobra.Command, a *app) error {
	if a.env.remote != nil {
		return cmd.Help()
	}
	out, isFile := a.env.stdout.(*os.File)
	if !a.env.stdinIsTerminal || !isFile || !term.IsTerminal(out.Fd()) {
		return &runError{errors.New("the TUI needs a terminal: run a command such as `apikeys keys list` instead (see `apikeys --help`)")}
	}
	a.tui = true
	c, err := a.client(cmd.Context())
	if err != nil {
		return &runError{err}
	}
	p := tea.NewProgram(
		tui.New(tui.Options{Client: c, Renderer: lipgloss.DefaultRenderer(), Output: out, Context: cmd.Context(),
			Environ: []string{"TERM=" + a.env.getenv("TERM"), "TMUX=" + a.env.getenv("TMUX"), "STY=" + a.env.getenv("STY")},
			Welcome: a.welcome(), Mouse: !a.flags.noMouse, Local: true}),
		tea.WithAltScreen(), tea.WithContext(cmd.Context()),
		tea.WithInput(a.env.stdin), tea.WithOutput(out),
	)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return &runError{err}
	}
	return nil
}

// welcome is the first-run panel's facts when this data directory's
// workspace was just made and nobody has dismissed it yet (welcomeFile).
func (a *app) welcome() *flows.WelcomeInfo {
	if a.local == nil {
		return nil
	}
	dir := a.local.dataDir
	pending := filepath.Join(dir, welcomeFile)
	if _, err := os.Stat(pending); err != nil {
		return nil
	}
	db := filepath.Join(dir, dbFile)
	if a.local.db != "" {
		db = "the PostgreSQL database --db names"
	}
	return &flows.WelcomeInfo{DataDir: dir, Database: db, Dismissed: func() { _ = os.Remove(pending) }}
}
