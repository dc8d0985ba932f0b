package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/buildinfo"
	"github.com/apikeys-dev/apikeys/model"
)

// app is the state of one command run: the environment, the global flags, and the
// client, opened on first use and closed when the run ends.
type app struct {
	env   *env
	flags struct {
		dataDir, db, as, timezone, maxLifetime string
		config                                 string
		json                                   bool
		noMouse                                bool
	}
	config  configFile        // the config file this run read
	sources map[string]source // where each setting of this run's command came from
	hup     <-chan os.Signal  // serve reloads on each; nil: on SIGHUP (tests send here)
	cl      client.Client
	closers []func() error
	tui     bool         // this run opens the TUI: its actions are recorded with source "tui"
	local   *localConfig // where the local workspace lives, once a.client opened it
}

func newApp(e *env) *app {
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	return &app{env: e}
}

// close releases what the run opened (the store), most recent first.
func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

// remoteRefusedFlags are the global flags an SSH session may not use, with why.
var remoteRefusedFlags = []struct{ name, why string }{
	{"as", "your SSH key decides who you are"},
	{"data-dir", "the server decides where the data lives"},
	{"db", "the server decides where the data lives"},
	{"timezone", "the time zone is the server's setting"},
	{"max-key-lifetime", "the maximum key lifetime is the server's setting"},
	{"config", "the server reads its own configuration"},
}

// newRootCmd builds the whole command tree over a. Over SSH (a.env.remote set) the
// tree is the same; only identity and storage come from the session.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "apikeys",
		Short: "Manage a workspace's API keys from the terminal",
		Long: `apikeys manages a workspace's API keys: create, edit, rotate and delete them,
manage the members who may do so, and read the audit trail.

Run without a command it opens the terminal UI. The first run on a new data
directory creates the workspace and makes you, the OS user, its Primary Owner;
later runs act as that member unless --as names another.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd, a)
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.refuseRemoteFlags(cmd); err != nil {
				return err
			}
			return a.applyConfig(cmd)
		},
		Version: buildinfo.Get().String(),
	}
	root.SetVersionTemplate("apikeys {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })

	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.dataDir, "data-dir", "", "`DIR` holding the embedded database (default $APIKEYS_DATA_DIR, else $XDG_DATA_HOME/apikeys, else ~/.local/share/apikeys)")
	pf.StringVar(&a.flags.db, "db", "", "a postgres:// `URL` to use PostgreSQL instead of the embedded database (default $APIKEYS_DB)")
	pf.StringVar(&a.flags.as, "as", "", "act as the member with this `EMAIL` (or id) instead of the local owner")
	pf.StringVar(&a.flags.timezone, "timezone", "", "workspace time `ZONE`, an IANA name like Europe/Paris (default $APIKEYS_TIMEZONE, else UTC)")
	pf.StringVar(&a.flags.maxLifetime, "max-key-lifetime", "", fmt.Sprintf("latest expiration date allowed, in `DAYS` from today: 366 or 366d (default $APIKEYS_MAX_KEY_LIFETIME, else %d)", model.DefaultMaxLifetimeDays))
	pf.BoolVar(&a.flags.json, "json", false, "print JSON instead of tables and sentences")
	pf.StringVar(&a.flags.config, "config", "", "read settings from this TOML `FILE` (default $APIKEYS_CONFIG, else $XDG_CONFIG_HOME/apikeys/config.toml)")
	pf.BoolVar(&a.flags.noMouse, "no-mouse", false, "the TUI (and serve's, over SSH) leaves the mouse to the terminal for text selection instead of taking clicks and the wheel")
	markSettings(pf, "data-dir", "db", "timezone", "max-key-lifetime", "no-mouse")

	root.AddCommand(newKeysCmd(a), newMembersCmd(a), newAuditCmd(a), newServeCmd(a), newConfigCmd(a), newBackupCmd(a), newGenDocsCmd(), newWebhooksCmd(a), newAllowListsCmd(a))
	addCompletions(root, a)

	if a.env.remote != nil {
		// Over SSH these flags are refused; keep them parseable (so the refusal
		// can say why) but out of the help.
		for _, f := range remoteRefusedFlags {
			_ = pf.MarkHidden(f.name)
		}
		root.CompletionOptions.DisableDefaultCmd = true
	}
	return root
}

// refuseRemoteFlags refuses, over SSH, the flags that would pick identity, storage
// or server settings. Even without this check they could not take effect — the
// remote client never reads them — but a clear refusal beats a silent no-op.
func (a *app) refuseRemoteFlags(cmd *cobra.Command) error {
	if a.env.remote == nil {
		return nil
	}
	for _, rf := range remoteRefusedFlags {
		if f := cmd.Flags().Lookup(rf.name); f != nil && f.Changed {
			return &runError{refusedRemotely("--"+rf.name, rf.why)}
		}
	}
	return nil
}

// newGroupCmd is a command that only holds subcommands: bare, it prints its help;
// with an unknown subcommand it is a usage error.
func newGroupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  unknownSubcommand,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(subs...)
	return c
}

func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return usagef("%s", msg)
}

// exactArgs accepts exactly the named positional arguments, naming the missing
// or extra one in the error.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return usagef("missing %s: %s", names[len(args)], cmd.UseLine())
		case len(args) > len(names):
			return usagef("unexpected argument %q: %s", args[len(names)], cmd.UseLine())
		}
		return nil
	}
}
