package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func newAllowListsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "allowlists",
		Short: "Restrict where API keys may be used from: IP allow lists",
		Long: `An IP allow list is a named set of IPv4 and IPv6 addresses and CIDR ranges
(198.51.100.0/24, 2001:db8::/48). A key linked to one or more lists works only from
an address inside at least one of them; one list may be the workspace's default,
which applies to every key that has no list of its own. A key with no list and no
default works from anywhere. A refused use is answered 403 ip_not_allowed by the
Audit Logs API and valid:false, reason ip_not_allowed by verify.

Lists are managed by the Primary Owner, Security Admins and Workspace Admins;
linking a key needs the right to manage keys of its type. LIST is a name or id.`,
	}
	c.AddCommand(newAllowListsListCmd(a), newAllowListsCreateCmd(a), newAllowListsEditCmd(a),
		newAllowListsDeleteCmd(a), newAllowListsLinkCmd(a, true), newAllowListsLinkCmd(a, false),
		newAllowListsDefaultCmd(a))
	return c
}

// allow is the client's allow-list side.
func (a *app) allow(ctx context.Context) (client.AllowLists, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	al, ok := c.(client.AllowLists)
	if !ok {
		return nil, fmt.Errorf("this client does not offer IP allow lists")
	}
	return al, nil
}

func allowListJSON(v client.AllowListView) contract.AllowList {
	return contract.AllowListOf(v.AllowList, v.KeyIDs)
}

// printAllowList writes one list: JSON, or a line people read.
func (a *app) printAllowList(verb string, v client.AllowListView) error {
	if a.flags.json {
		return writeJSON(a.env.stdout, allowListJSON(v))
	}
	fmt.Fprintf(a.env.stdout, "%s IP allow list “%s” (%s): %s.\n", verb, model.Sanitize(v.Name), v.ID,
		strings.Join(model.EntryStrings(v.Entries), ", "))
	return nil
}

func newAllowListsListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List IP allow lists, their entries and how many keys each restricts",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			lists, err := al.ListAllowLists(cmd.Context())
			if err != nil {
				return err
			}
			if a.flags.json {
				out := make([]contract.AllowList, 0, len(lists))
				for _, v := range lists {
					out = append(out, allowListJSON(v))
				}
				return writeJSON(a.env.stdout, out)
			}
			if len(lists) == 0 {
				fmt.Fprintln(a.env.stdout, "No IP allow lists yet. Create one with: apikeys allowlists create --name Office --entry 198.51.100.0/24")
				return nil
			}
			t := newTable(a.env.stdout, "ID", "NAME", "DEFAULT", "KEYS", "ENTRIES", "DESCRIPTION")
			for _, v := range lists {
				def := ""
				if v.Default {
					def = "default"
				}
				t.row(v.ID, v.Name, def, strconv.Itoa(len(v.KeyIDs)), strings.Join(model.EntryStrings(v.Entries), ","), v.Description)
			}
			return t.flush()
		},
	}
}

func newAllowListsCreateCmd(a *app) *cobra.Command {
	var (
		name, desc, fromKey string
		entries             []string
	)
	c := &cobra.Command{
		Use:     "create --name N (--entry CIDR... | --from-key KEY_ID) [--description D]",
		Short:   "Create an IP allow list",
		Example: "  apikeys allowlists create --name Office --entry 198.51.100.0/24 --entry 2001:db8::/48 --description \"HQ egress\"\n  apikeys allowlists create --name \"Where Sync runs\" --from-key key_01J9Z…",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "name"); err != nil {
				return err
			}
			if (len(entries) == 0) == (fromKey == "") {
				return usagef("give --entry or --from-key")
			}
			if fromKey != "" {
				var err error
				if entries, err = a.addressEntries(cmd.Context(), fromKey); err != nil {
					return err
				}
			}
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			v, err := al.CreateAllowList(cmd.Context(), client.CreateAllowListRequest{Name: name, Description: desc, Entries: entries})
			if err != nil {
				return err
			}
			return a.printAllowList("Created", v)
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "the list's `NAME` (unique, case-insensitively)")
	f.StringSliceVar(&entries, "entry", nil, "an IPv4 or IPv6 address or `CIDR` range (repeatable, or separated by commas)")
	f.StringVar(&desc, "description", "", "what the list is for")
	f.StringVar(&fromKey, "from-key", "", "make the entries the addresses `KEY_ID` was used from in the last 30 days")
	return c
}

func newAllowListsEditCmd(a *app) *cobra.Command {
	var (
		name, desc  string
		add, remove []string
		dry         bool
	)
	c := &cobra.Command{
		Use:     "edit LIST [--name N] [--description D] [--add-entry CIDR]... [--remove-entry CIDR]...",
		Short:   "Rename an IP allow list or change its entries",
		Example: "  apikeys allowlists edit Office --add-entry 203.0.113.0/24 --remove-entry 198.51.100.0/24",
		Args:    exactArgs("LIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := client.EditAllowListRequest{AddEntries: add, RemoveEntries: remove}
			if cmd.Flags().Changed("name") {
				r.Name = &name
			}
			if cmd.Flags().Changed("description") {
				r.Description = &desc
			}
			if r.Name == nil && r.Description == nil && len(add) == 0 && len(remove) == 0 {
				return usagef("nothing to change: give --name, --description, --add-entry or --remove-entry")
			}
			if dry {
				ka, err := a.addresses(cmd.Context())
				if err != nil {
					return err
				}
				return a.printDryRun(ka.DryRunEditAllowList(cmd.Context(), args[0], r))
			}
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			v, err := al.EditAllowList(cmd.Context(), args[0], r)
			if err != nil {
				return err
			}
			return a.printAllowList("Updated", v)
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "the list's new `NAME`")
	f.StringVar(&desc, "description", "", "the list's new description")
	f.StringSliceVar(&add, "add-entry", nil, "an address or `CIDR` range to add (repeatable)")
	f.StringSliceVar(&remove, "remove-entry", nil, "an address or `CIDR` range to remove (repeatable)")
	f.BoolVar(&dry, "dry-run", false, dryRunHelp)
	return c
}

func newAllowListsDeleteCmd(a *app) *cobra.Command {
	var yes, dry bool
	c := &cobra.Command{
		Use:   "delete LIST --yes | delete LIST --dry-run",
		Short: "Delete an IP allow list; its keys lose it",
		Long: `Delete an IP allow list. Keys linked to it lose it: a key left with no list of
its own falls under the default list, or works from anywhere if there is none.
A key that keeps other lists, or falls under a narrower default, may then be
refused from where it runs: --dry-run lists those keys and addresses first.`,
		Example: "  apikeys allowlists delete Office --dry-run\n  apikeys allowlists delete Office --yes",
		Args:    exactArgs("LIST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dry {
				ka, err := a.addresses(cmd.Context())
				if err != nil {
					return err
				}
				return a.printDryRun(ka.DryRunDeleteAllowList(cmd.Context(), args[0]))
			}
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			v, err := al.GetAllowList(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !yes {
				return model.Invalid("yes", "Not deleting IP allow list “%s” (%s, linked to %s) without --yes.", model.Sanitize(v.Name), v.ID, nKeys(len(v.KeyIDs)))
			}
			if err := al.DeleteAllowList(cmd.Context(), v.ID); err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, map[string]string{"deleted": v.ID})
			}
			fmt.Fprintf(a.env.stdout, "Deleted IP allow list “%s” (%s); %s lost it.\n", model.Sanitize(v.Name), v.ID, nKeys(len(v.KeyIDs)))
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	c.Flags().BoolVar(&dry, "dry-run", false, dryRunHelp)
	return c
}

func newAllowListsLinkCmd(a *app, link bool) *cobra.Command {
	use, short, done := "link LIST KEY_ID...", "Restrict keys to an IP allow list (in addition to their other lists)", "Linked"
	if !link {
		use, short, done = "unlink LIST KEY_ID...", "Take keys off an IP allow list", "Unlinked"
	}
	var dry bool
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("want LIST and at least one KEY_ID: %s", cmd.UseLine())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if dry {
				ka, err := a.addresses(cmd.Context())
				if err != nil {
					return err
				}
				return a.printDryRun(ka.DryRunLinkAllowList(cmd.Context(), args[0], args[1:]))
			}
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			if link {
				err = al.LinkAllowList(cmd.Context(), args[0], args[1:])
			} else {
				err = al.UnlinkAllowList(cmd.Context(), args[0], args[1:])
			}
			if err != nil {
				return err
			}
			v, err := al.GetAllowList(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, allowListJSON(v))
			}
			fmt.Fprintf(a.env.stdout, "%s %s; IP allow list “%s” now restricts %s.\n", done, nKeys(len(args)-1), model.Sanitize(v.Name), nKeys(len(v.KeyIDs)))
			return nil
		},
	}
	if link {
		c.Flags().BoolVar(&dry, "dry-run", false, dryRunHelp)
	}
	return c
}

const dryRunHelp = "change nothing: list the keys and the addresses of the last 30 days it would refuse"

func newAllowListsDefaultCmd(a *app) *cobra.Command {
	var none, dry bool
	c := &cobra.Command{
		Use:   "default LIST | default --none",
		Short: "Make an IP allow list the default for keys without lists of their own",
		Args: func(cmd *cobra.Command, args []string) error {
			if none == (len(args) == 1) || len(args) > 1 {
				return usagef("give LIST or --none: %s", cmd.UseLine())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			al, err := a.allow(cmd.Context())
			if err != nil {
				return err
			}
			ref := ""
			if !none {
				ref = args[0]
			}
			if dry {
				ka, err := a.addresses(cmd.Context())
				if err != nil {
					return err
				}
				return a.printDryRun(ka.DryRunSetDefaultAllowList(cmd.Context(), ref))
			}
			if err := al.SetDefaultAllowList(cmd.Context(), ref); err != nil {
				return err
			}
			if none {
				if a.flags.json {
					return writeJSON(a.env.stdout, map[string]any{"default": nil})
				}
				fmt.Fprintln(a.env.stdout, "No default IP allow list: keys without lists of their own work from anywhere.")
				return nil
			}
			v, err := al.GetAllowList(cmd.Context(), ref)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, allowListJSON(v))
			}
			fmt.Fprintf(a.env.stdout, "IP allow list “%s” is the default: keys without lists of their own work only from %s.\n",
				model.Sanitize(v.Name), strings.Join(model.EntryStrings(v.Entries), ", "))
			return nil
		},
	}
	c.Flags().BoolVar(&none, "none", false, "leave no default list")
	c.Flags().BoolVar(&dry, "dry-run", false, dryRunHelp)
	return c
}

// nKeys is "1 key", "3 keys".
func nKeys(n int) string {
	if n == 1 {
		return "1 key"
	}
	return strconv.Itoa(n) + " keys"
}
