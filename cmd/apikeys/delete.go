package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func newKeysDeleteCmd(a *app) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "delete ID [--yes]",
		Short: "Revoke a key at once",
		Long: `Revoke a key at once. It stops working immediately and leaves the list; its
record stays for the audit trail.

Without --yes it asks first, on a terminal, and warns if the key was used in the
last 24 hours. Without a terminal (a script, a pipe, ssh without -t) --yes is
required.`,
		Example: "  apikeys keys delete key_8fK2mQ0aZx4T9bLc\n  apikeys keys delete key_8fK2mQ0aZx4T9bLc --yes",
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.client(ctx)
			if err != nil {
				return err
			}
			k, err := c.GetKey(ctx, args[0])
			if err != nil {
				return err
			}
			if k.DeletedAt != nil {
				return model.NotFound("Key “%s” (%s) was already deleted.", model.Sanitize(k.Name), k.ID)
			}
			if !yes {
				// Ask only about what the backend would allow: a refusal after a
				// "yes" would waste the admin's attention.
				me, err := c.Me(ctx)
				if err != nil {
					return err
				}
				if err := model.Require(me.AccountType, model.ActManageKeys, k.Type); err != nil {
					return err
				}
			}
			what := fmt.Sprintf("key “%s” (%s)", model.Sanitize(k.Name), k.ID)
			if err := a.confirmUnlessYes(ctx, yes, ask{
				Verb: "delete", Doing: "deleting", What: what, Question: "Delete " + what + "?",
				Warn: func(w io.Writer) {
					now := c.Now()
					if !k.UsedRecently(now) {
						return
					}
					from := ""
					if k.LastUsedAddr != "" {
						from = " from " + model.Sanitize(k.LastUsedAddr)
					}
					fmt.Fprintf(w, "Warning: this key was used %s%s. Whatever uses it will stop working at once.\n", model.Ago(k.LastUsedAt, now, time.UTC), from) // within a day: no date, so no zone
				},
				Declined: "Not deleted: " + what + " still works.",
			}); err != nil {
				return err
			}
			del, err := c.DeleteKey(ctx, k.ID, k.Version)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.KeyOf(del, c.Policy(), c.Now()))
			}
			fmt.Fprintf(a.env.stdout, "Deleted key “%s” (%s): it no longer works.\n", model.Sanitize(del.Name), del.ID)
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return c
}
