// Command apikeys manages a workspace's API keys from the terminal: the TUI, the
// scriptable CLI and (with `serve`) the SSH and HTTP servers.
//
// This file holds the entry points and the exit-code contract; the command tree is
// built in root.go and the commands live in keys.go, members.go and audit.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"

	_ "time/tzdata" // --timezone must work on hosts without a zoneinfo database
)

// Exit codes, which scripts rely on: 0 done, 1 refused or failed, 2 the command
// line itself is wrong.
const (
	exitOK      = 0 // success
	exitRefused = 1 // a refused or failed action: one line on stderr
	exitUsage   = 2 // the command line itself is wrong
)

// env is what one run of a command needs: its I/O and how to reach the workspace.
// The same commands run locally (remote == nil) and inside an SSH session.
type env struct {
	stdin           io.Reader
	stdout, stderr  io.Writer
	stdinIsTerminal bool // a person can answer a prompt
	getenv          func(string) string
	now             func() time.Time // nil: time.Now; tests pin it
	// osUser names the OS account a new workspace's owner is made for; nil asks
	// the OS. Tests pin it.
	osUser func() (username, fullName string)

	// remote is set over SSH: the backend of the server and the member the SSH key
	// proved. Identity and storage then come from here alone; --as, --data-dir, --db
	// and `serve` are refused.
	remote *remote
}

// remote is an SSH session's identity and the server's backend.
type remote struct {
	backend *backend.Backend
	member  model.Member
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinIsTerminal: term.IsTerminal(os.Stdin.Fd()),
		getenv:          os.Getenv,
	}
	code := run(ctx, os.Args[1:], e)
	stop()
	os.Exit(code)
}

// run executes one command line locally and returns its exit code: 0 ok, 1 refused
// or failed (one "apikeys: …" line on stderr), 2 usage error.
func run(ctx context.Context, args []string, e *env) int {
	a := newApp(e)
	return execute(ctx, a, newRootCmd(a), args)
}

// runRemote executes one command line for an SSH session: as member m, against the
// server's backend, with source "ssh". The member is whoever the session's public
// key belongs to; nothing on the command line can change that. tty reports whether
// the session has a PTY, so that `keys delete` may ask for confirmation. A leading
// "apikeys" is ignored.
func runRemote(ctx context.Context, b *backend.Backend, m model.Member, args []string, stdin io.Reader, stdout, stderr io.Writer, tty bool) int {
	if len(args) > 0 && args[0] == "apikeys" {
		// `ssh host apikeys keys list` reads naturally; the program is implied.
		args = args[1:]
	}
	e := &env{
		stdin: stdin, stdout: stdout, stderr: stderr, stdinIsTerminal: tty,
		getenv: func(string) string { return "" }, // the server's environment is not the client's
		remote: &remote{backend: b, member: m},
	}
	return run(ctx, args, e)
}

// execute runs root on args and maps the outcome to an exit code.
func execute(ctx context.Context, a *app, root *cobra.Command, args []string) int {
	defer a.close()
	root.SetArgs(args)
	root.SetIn(a.env.stdin)
	root.SetOut(a.env.stdout)
	root.SetErr(a.env.stderr)

	if a.env.remote != nil {
		if c, _, err := root.Find(args); err == nil && localOnly(c) {
			return a.fail(refusedRemotely("`"+c.CommandPath()+"`", "it runs only on the server's own machine"))
		}
	}
	markRunErrors(root)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var re *runError
	switch {
	case errors.As(err, &ue):
		return a.usage(cmd, ue.msg)
	case errors.As(err, &re):
		return a.fail(re.err)
	default:
		// Everything else comes from cobra itself: an unknown command or flag, a
		// bad flag value, a missing argument.
		return a.usage(cmd, err.Error())
	}
}

// fail prints a refused or failed action as one line and returns exit code 1.
func (a *app) fail(err error) int {
	msg := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		msg = "Interrupted; nothing more was done."
	case errors.Is(err, context.DeadlineExceeded):
		msg = "Timed out; nothing more was done."
	}
	fmt.Fprintf(a.env.stderr, "apikeys: %s\n", oneLine(msg))
	return exitRefused
}

// usage prints a usage error with a hint where to look, and returns exit code 2.
func (a *app) usage(cmd *cobra.Command, msg string) int {
	fmt.Fprintf(a.env.stderr, "apikeys: %s\n", oneLine(msg))
	path := "apikeys"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(a.env.stderr, "Run '%s --help' for usage.\n", path)
	return exitUsage
}

// usageError is a command line the program can't make sense of: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// runError marks an error returned by a command's own RunE, as opposed to one cobra
// returns while parsing the command line, so that execute can tell exit code 1 from 2.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// markRunErrors wraps the RunE of every command in the tree, including commands
// other files add, so their errors count as refusals, not usage errors.
func markRunErrors(c *cobra.Command) {
	if orig := c.RunE; orig != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := orig(cmd, args); err != nil {
				var ue *usageError
				if errors.As(err, &ue) {
					return err
				}
				return &runError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

// localOnlyAnnotation marks a command that must not run over SSH. `serve` is
// refused by name too, so it stays refused even if its author forgets the mark.
const localOnlyAnnotation = "apikeys:local-only"

func localOnly(c *cobra.Command) bool {
	for ; c != nil; c = c.Parent() {
		if c.Name() == "serve" || c.Annotations[localOnlyAnnotation] == "true" {
			return true
		}
	}
	return false
}

func refusedRemotely(what, why string) error {
	return model.Forbidden("%s can't be used over SSH: %s.", what, why)
}

// oneLine keeps a message on one line and safe for a terminal, whatever produced
// it, with anything shaped like a secret shown as its hint: every error line of
// the CLI, locally and over SSH, goes through here.
func oneLine(s string) string {
	return model.Redact(model.Sanitize(strings.Join(strings.Fields(s), " ")))
}
