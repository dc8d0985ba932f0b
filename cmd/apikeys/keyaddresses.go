package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// addresses is the client's key-addresses side.
func (a *app) addresses(ctx context.Context) (client.KeyAddresses, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	ka, ok := c.(client.KeyAddresses)
	if !ok {
		return nil, fmt.Errorf("this client does not offer key addresses")
	}
	return ka, nil
}

func newKeysAddressesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "addresses KEY_ID",
		Short:   "Where a key was used from over the last 30 days",
		Example: "  apikeys keys addresses key_01J9Z… --json",
		Args:    exactArgs("KEY_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ka, err := a.addresses(cmd.Context())
			if err != nil {
				return err
			}
			as, err := ka.KeyAddresses(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.KeyAddressesOf(as))
			}
			if len(as) == 0 {
				fmt.Fprintln(a.env.stdout, "Not used in the last 30 days.")
				return nil
			}
			t := newTable(a.env.stdout, "ADDRESS", "USES", "FIRST SEEN", "LAST SEEN")
			for _, x := range as {
				t.row(x.Addr, strconv.FormatInt(x.Uses, 10), x.FirstSeen.UTC().Format("2006-01-02 15:04Z"), x.LastSeen.UTC().Format("2006-01-02 15:04Z"))
			}
			return t.flush()
		},
	}
}

// printDryRun writes what a narrowing change would refuse; it changed nothing.
func (a *app) printDryRun(rs []client.RefusedKey, err error) error {
	if err != nil {
		return err
	}
	if a.flags.json {
		out := make([]contract.RefusedKey, 0, len(rs))
		for _, r := range rs {
			out = append(out, contract.RefusedKey{Key: contract.KeyRef{ID: r.Key.ID, Name: r.Key.Name}, Refused: contract.KeyAddressesOf(r.Refused)})
		}
		return writeJSON(a.env.stdout, out)
	}
	if len(rs) == 0 {
		fmt.Fprintln(a.env.stdout, "Dry run, nothing changed: no key would be refused from an address it was used from in the last 30 days.")
		return nil
	}
	fmt.Fprintln(a.env.stdout, "Dry run, nothing changed. These keys would be refused from addresses they were used from in the last 30 days:")
	t := newTable(a.env.stdout, "KEY", "NAME", "ADDRESS", "USES", "LAST SEEN")
	for _, r := range rs {
		for _, x := range r.Refused {
			t.row(r.Key.ID, r.Key.Name, x.Addr, strconv.FormatInt(x.Uses, 10), x.LastSeen.UTC().Format("2006-01-02 15:04Z"))
		}
	}
	return t.flush()
}

// addressEntries is a list's entries from a key's recent addresses.
func (a *app) addressEntries(ctx context.Context, keyID string) ([]string, error) {
	ka, err := a.addresses(ctx)
	if err != nil {
		return nil, err
	}
	as, err := ka.KeyAddresses(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, model.Invalid("from-key", "Key %s was not used in the last 30 days: no addresses to make a list of.", model.Quote(keyID))
	}
	out := make([]string, len(as))
	for i, x := range as {
		out[i] = x.Addr
	}
	return out, nil
}
