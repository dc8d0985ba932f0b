package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// Shell completion: cobra's own `completion` command writes the script
// (`apikeys completion bash|zsh|fish|powershell`); the functions here make it
// complete what a command line names — key ids, member emails, SSH key
// fingerprints, key, account and event types — from the local workspace.
//
// They are attached by command path, so the files defining the commands need
// no completion code, and a command added later just has none until listed here.

// completeTimeout bounds the store reads one completion makes: a shell waits.
const completeTimeout = 2 * time.Second

// addCompletions attaches the completion functions to root's tree.
func addCompletions(root *cobra.Command, a *app) {
	args := map[string][]cobra.CompletionFunc{
		"keys edit":              {a.completeKeyIDs},
		"keys rotate":            {a.completeKeyIDs},
		"keys delete":            {a.completeKeyIDs},
		"keys usage":             {a.completeKeyIDs},
		"keys transfer":          {a.completeKeyIDs},
		"keys retire":            {a.completeKeyIDs},
		"members set-type":       {a.completeEmails, completeAccountTypes},
		"members deactivate":     {a.completeEmails},
		"members reactivate":     {a.completeEmails},
		"members add-ssh-key":    {a.completeEmails},
		"members remove-ssh-key": {a.completeEmails, a.completeFingerprints},
	}
	flags := map[string]map[string]cobra.CompletionFunc{
		"keys create":        {"type": completeKeyTypes},
		"keys transfer":      {"to": a.completeEmails},
		"members add":        {"type": completeAccountTypes},
		"members deactivate": {"transfer-keys-to": a.completeEmails},
		"audit":              {"type": completeEventTypes},
	}
	for path, fns := range args {
		if c := find(root, path); c != nil && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = positional(fns)
		}
	}
	for path, fs := range flags {
		c := find(root, path)
		if c == nil {
			continue
		}
		for name, fn := range fs {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
	}
}

func find(root *cobra.Command, path string) *cobra.Command {
	c, rest, err := root.Find(strings.Fields(path))
	if err != nil || len(rest) > 0 || c.CommandPath() != "apikeys "+path {
		return nil
	}
	return c
}

// positional completes the i-th argument with fns[i], and nothing past them.
func positional(fns []cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(fns) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fns[len(args)](cmd, args, toComplete)
	}
}

// completionClient opens the local workspace for a completion, but only one that
// exists: pressing tab must never create a workspace. Over SSH there is none.
func (a *app) completionClient(cmd *cobra.Command) (client.Client, context.CancelFunc, bool) {
	if a.env.remote != nil {
		return nil, nil, false
	}
	if err := a.applyConfig(cmd); err != nil {
		return nil, nil, false
	}
	cfg, err := a.localConfig()
	if err != nil {
		return nil, nil, false
	}
	if cfg.db == "" {
		if _, err := os.Stat(filepath.Join(cfg.dataDir, dbFile)); err != nil {
			return nil, nil, false
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
	cl, err := a.client(ctx)
	if err != nil {
		cancel()
		return nil, nil, false
	}
	return cl, cancel, true
}

func (a *app) completeKeyIDs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cl, cancel, ok := a.completionClient(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	ctx, stop := context.WithTimeout(context.Background(), completeTimeout)
	defer stop()
	keys, err := cl.ListKeys(ctx, client.KeyFilter{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, k := range keys {
		if strings.HasPrefix(k.ID, toComplete) {
			out = append(out, cobra.CompletionWithDesc(k.ID, oneLine(k.Name+" ("+string(k.Type)+")")))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completeEmails(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	members, ok := a.completionMembers(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, m := range members {
		if strings.HasPrefix(m.Email, strings.ToLower(toComplete)) {
			out = append(out, cobra.CompletionWithDesc(m.Email, oneLine(m.Name)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completeFingerprints(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	members, ok := a.completionMembers(cmd)
	if !ok || len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, m := range members {
		if !strings.EqualFold(m.Email, args[0]) && m.ID != args[0] {
			continue
		}
		for _, k := range m.SSHKeys {
			if strings.HasPrefix(k.Fingerprint, toComplete) {
				out = append(out, cobra.CompletionWithDesc(k.Fingerprint, oneLine(k.Comment)))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completionMembers(cmd *cobra.Command) ([]model.Member, bool) {
	cl, cancel, ok := a.completionClient(cmd)
	if !ok {
		return nil, false
	}
	defer cancel()
	ctx, stop := context.WithTimeout(context.Background(), completeTimeout)
	defer stop()
	members, err := cl.ListMembers(ctx)
	return members, err == nil
}

func completeKeyTypes(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, t := range model.KeyTypes {
		out = append(out, cobra.CompletionWithDesc(string(t), t.Label()))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completeAccountTypes(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, t := range model.AccountTypes {
		out = append(out, cobra.CompletionWithDesc(string(t), t.Label()))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completeEventTypes(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, t := range model.EventTypes {
		out = append(out, cobra.Completion(t))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
