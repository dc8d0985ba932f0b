package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func newKeysCmd(a *app) *cobra.Command {
	return newGroupCmd("keys", "List, create, edit, rotate and delete API keys",
		newKeysListCmd(a), newKeysCreateCmd(a), newKeysEditCmd(a),
		newKeysRotateCmd(a), newKeysDeleteCmd(a), newKeysAddressesCmd(a),
		newKeysUsageCmd(a), newKeysReportCmd(a), newKeysTransferCmd(a), newKeysRetireCmd(a))
}

func newKeysListCmd(a *app) *cobra.Command {
	var within string
	var hf hygieneFlags
	c := &cobra.Command{
		Use:   "list",
		Short: "List the workspace's API keys, newest first",
		Long: `List the workspace's API keys, newest first. Deleted keys are not shown, nor
replaced keys whose grace period has ended.

--expiring-within keeps the keys whose last valid day falls within that span,
and replaced keys still in their grace period: the keys to rotate soon.

--never-used, --idle-for, --owner-deactivated and --no-allow-list keep the keys
in those hygiene buckets (SPEC §12); every filter given must hold.`,
		Example: "  apikeys keys list\n  apikeys keys list --expiring-within 14d --json\n  apikeys keys list --never-used --no-allow-list",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f client.KeyFilter
			if cmd.Flags().Changed("expiring-within") {
				d, err := parseSpan(within)
				if err != nil {
					return usagef("--expiring-within: %v", err)
				}
				f.ExpiringWithin = d
			}
			buckets, hq, err := hf.wanted()
			if err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			var lists map[string][]string // each key's own allow lists, for --json
			if al, ok := c.(client.AllowLists); ok && a.flags.json {
				if lists, err = al.KeyAllowLists(cmd.Context()); err != nil {
					return err
				}
			}
			if w, ok := c.(keyWalker); ok && a.flags.json && len(buckets) == 0 {
				return writeKeysJSON(cmd.Context(), a.env.stdout, w, f, c.Policy(), c.Now(), lists)
			}
			var keys []model.Key
			if len(buckets) > 0 {
				// The buckets' own read lists the keys: one pass.
				h, err := a.hygiene(cmd.Context())
				if err != nil {
					return err
				}
				hq.Filter = f
				if keys, err = filterHygiene(cmd.Context(), h, buckets, hq); err != nil {
					return err
				}
			} else if keys, err = c.ListKeys(cmd.Context(), f); err != nil {
				return err
			}
			p, now := c.Policy(), c.Now()
			if a.flags.json {
				out := contract.KeysOf(keys, p, now)
				for i := range out {
					out[i].AllowLists = lists[out[i].ID]
				}
				return writeJSON(a.env.stdout, out)
			}
			if len(keys) == 0 {
				if len(buckets) > 0 {
					fmt.Fprintln(a.env.stdout, "No key matches these filters.")
					return nil
				}
				if f.ExpiringWithin > 0 {
					fmt.Fprintf(a.env.stdout, "No key expires within %s.\n", within)
					return nil
				}
				fmt.Fprintln(a.env.stdout, "No API keys yet. Create the first one with:\n  apikeys keys create --name NAME --expires +90d --type import")
				return nil
			}
			t := newTable(a.env.stdout, "ID", "NAME", "TYPE", "KEY", "EXPIRES", "LAST USED", "OWNER", "CREATED BY")
			for _, k := range keys {
				t.row(k.ID, k.Name, k.Type.Label(), k.Hint, expiryText(k, p, now), model.Ago(k.LastUsedAt, now, p.Loc()), k.OwnerName, k.CreatedByName)
			}
			return t.flush()
		},
	}
	c.Flags().StringVar(&within, "expiring-within", "", "only keys whose last valid day is within this `SPAN` (14d, 2w, 36h), and replaced keys in grace")
	hf.add(c)
	return c
}

// keyWalker is a client that can pass the list key by key instead of holding
// it: the backend's session, local or behind SSH.
type keyWalker interface {
	EachKey(ctx context.Context, f client.KeyFilter, fn func(*model.Key) error) error
}

// writeKeysJSON prints what writeJSON(contract.KeysOf(list)) would, byte for
// byte, encoding each key as the store passes it: memory stays flat however long
// the list (a million keys took 3.6 GiB when the list, its contract copy and
// the encoded text were all held at once). An error midway leaves the output
// cut short, and the command fails.
func writeKeysJSON(ctx context.Context, w io.Writer, kw keyWalker, f client.KeyFilter, p model.ExpiryPolicy, now time.Time, lists map[string][]string) error {
	out := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// writeJSON's indent one level down: each key is an element of the array.
	enc.SetIndent("  ", "  ")
	n := 0
	err := kw.EachKey(ctx, f, func(k *model.Key) error {
		buf.Reset()
		if n == 0 {
			buf.WriteString("[\n  ")
		} else {
			buf.WriteString(",\n  ")
		}
		n++
		ck := contract.KeyOf(*k, p, now)
		ck.AllowLists = lists[k.ID]
		if err := enc.Encode(ck); err != nil {
			return err
		}
		b := buf.Bytes()
		_, err := out.Write(escapeUnprintable(b[:len(b)-1])) // Encode's newline
		return err
	})
	if err != nil {
		out.Flush()
		return err
	}
	if n == 0 {
		out.WriteString("[]\n")
	} else {
		out.WriteString("\n]\n")
	}
	return out.Flush()
}

func newKeysCreateCmd(a *app) *cobra.Command {
	var name, expires, typ string
	c := &cobra.Command{
		Use:   "create --name NAME --expires DATE --type TYPE",
		Short: "Create an API key and print its secret, once",
		Long: `Create an API key and print its secret. The secret is shown this once and
stored nowhere: copy it now.

--expires is the expiration day, which is not included: the key works until
the start of that day in the workspace time zone. Give YYYY-MM-DD or a span from
today: +7d, +4w, +3m, +1y. It must be between tomorrow and the maximum lifetime.

--type is one of ` + model.KeyTypeList() + `.`,
		Example: "  apikeys keys create --name \"Nightly export\" --expires +90d --type export\n" +
			"  apikeys keys create --name siem --expires 2027-01-01 --type audit-logs --json | jq -r .secret",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "name", "expires", "type"); err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			kt, err := model.ParseKeyType(typ)
			if err != nil {
				return err
			}
			d, err := c.Policy().Parse(expires, c.Now())
			if err != nil {
				return err
			}
			k, secret, err := c.CreateKey(cmd.Context(), client.CreateKeyRequest{Name: name, Type: kt, Expires: d})
			if err != nil {
				return err
			}
			p, now := c.Policy(), c.Now()
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.CreatedKey{Key: contract.KeyOf(k, p, now), Secret: secret.Reveal()})
			}
			fmt.Fprintf(a.env.stdout, "Created %s key “%s” (%s), valid through %s.\n",
				k.Type.Label(), model.Sanitize(k.Name), k.ID, p.ValidThrough(k.ExpiresAt).Human())
			printSecret(a.env.stdout, secret)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", fmt.Sprintf("`NAME` of the key, 1 to %d characters", model.MaxNameLength))
	f.StringVar(&expires, "expires", "", "expiration `DATE`, not included: YYYY-MM-DD or +7d, +4w, +3m, +1y")
	f.StringVar(&typ, "type", "", "key `TYPE`: "+model.KeyTypeList())
	return c
}

// printSecret shows a new secret, set apart so it is easy to copy, with the warning.
func printSecret(w io.Writer, s model.Secret) {
	fmt.Fprintf(w, "\n    %s\n\n", s.Reveal())
	fmt.Fprintln(w, "Copy this secret now: it won't be shown again.")
}

func newKeysEditCmd(a *app) *cobra.Command {
	var name, expires string
	c := &cobra.Command{
		Use:   "edit ID [--name NAME] [--expires DATE]",
		Short: "Rename a key or move its expiration date",
		Long: `Rename a key or move its expiration date. The type never changes. An expired
key can't be extended: rotate it instead.`,
		Example: "  apikeys keys edit key_8fK2mQ0aZx4T9bLc --name \"Nightly export (prod)\"\n" +
			"  apikeys keys edit key_8fK2mQ0aZx4T9bLc --expires +6m",
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			if !fl.Changed("name") && !fl.Changed("expires") {
				return usagef("nothing to change: give --name, --expires or both")
			}
			ctx := cmd.Context()
			c, err := a.client(ctx)
			if err != nil {
				return err
			}
			old, err := c.GetKey(ctx, args[0])
			if err != nil {
				return err
			}
			// The version just read: a change made by someone else between this read
			// and the write is a conflict, not silently overwritten.
			req := client.EditKeyRequest{Version: old.Version}
			if fl.Changed("name") {
				req.Name = &name
			}
			if fl.Changed("expires") {
				d, err := c.Policy().Parse(expires, c.Now())
				if err != nil {
					return err
				}
				req.Expires = &d
			}
			k, err := c.EditKey(ctx, old.ID, req)
			if err != nil {
				return err
			}
			p, now := c.Policy(), c.Now()
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.KeyOf(k, p, now))
			}
			var changes []string
			if k.Name != old.Name {
				changes = append(changes, fmt.Sprintf("renamed from “%s”", model.Sanitize(old.Name)))
			}
			if !k.ExpiresAt.Equal(old.ExpiresAt) {
				changes = append(changes, fmt.Sprintf("now valid through %s (was %s)",
					p.ValidThrough(k.ExpiresAt).Human(), p.ValidThrough(old.ExpiresAt).Human()))
			}
			if len(changes) == 0 {
				fmt.Fprintf(a.env.stdout, "Key “%s” (%s) already had those values; nothing changed.\n", model.Sanitize(k.Name), k.ID)
				return nil
			}
			fmt.Fprintf(a.env.stdout, "Updated key “%s” (%s): %s.\n", model.Sanitize(k.Name), k.ID, strings.Join(changes, "; "))
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", fmt.Sprintf("new `NAME`, 1 to %d characters", model.MaxNameLength))
	c.Flags().StringVar(&expires, "expires", "", "new expiration `DATE`, not included: YYYY-MM-DD or +7d, +4w, +3m, +1y")
	return c
}

func newKeysRotateCmd(a *app) *cobra.Command {
	var grace, expires string
	c := &cobra.Command{
		Use:   "rotate ID --grace GRACE [--expires DATE]",
		Short: "Replace a key with a new secret, keeping the old one for a grace period",
		Long: `Issue a new key with the same name and type and a new secret, shown once. The
old key keeps working for the grace period — ` + model.GraceList() + `, never past
its own expiry — and then stops.

--expires sets the new key's expiration day (default: the old key's lifetime
again from today, within the maximum). An expired key can be rotated: that is
how it is renewed. A key that was already rotated can't be: rotate its
replacement.`,
		Example: "  apikeys keys rotate key_8fK2mQ0aZx4T9bLc --grace 24h\n" +
			"  apikeys keys rotate key_8fK2mQ0aZx4T9bLc --grace now --expires +90d --json",
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "grace"); err != nil {
				return err
			}
			g, err := parseGrace(grace)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.client(ctx)
			if err != nil {
				return err
			}
			req := client.RotateKeyRequest{Grace: g}
			if cmd.Flags().Changed("expires") {
				d, err := c.Policy().Parse(expires, c.Now())
				if err != nil {
					return err
				}
				req.Expires = &d
			}
			rot, err := c.RotateKey(ctx, args[0], req)
			if err != nil {
				return err
			}
			p, now := c.Policy(), c.Now()
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.RotatedKey{
					Key: contract.KeyOf(rot.New, p, now), Replaced: contract.KeyOf(rot.Old, p, now), Secret: rot.Secret.Reveal(),
				})
			}
			fmt.Fprintf(a.env.stdout, "Rotated “%s”: the new key %s is valid through %s.\n",
				model.Sanitize(rot.New.Name), rot.New.ID, p.ValidThrough(rot.New.ExpiresAt).Human())
			if rot.Old.Valid(now) {
				fmt.Fprintf(a.env.stdout, "The old key %s keeps working until %s, then stops.\n", rot.Old.ID, model.When(rot.Old.ExpiresAt, p.Loc()))
			} else {
				fmt.Fprintf(a.env.stdout, "The old key %s has stopped working.\n", rot.Old.ID)
			}
			printSecret(a.env.stdout, rot.Secret)
			return nil
		},
	}
	c.Flags().StringVar(&grace, "grace", "", "`GRACE` period of the old key: "+model.GraceList())
	c.Flags().StringVar(&expires, "expires", "", "the new key's expiration `DATE`, not included: YYYY-MM-DD or +7d, +4w, +3m, +1y")
	return c
}

// requireFlags reports the first of the named flags that was not given.
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s: %s", strings.Join(missing, ", "), cmd.UseLine())
	}
	return nil
}

var spanRE = regexp.MustCompile(`^(\d{1,5})([dwh])$`)

// parseSpan reads a span such as 14d, 2w or 36h (or a Go duration like 90m).
func parseSpan(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	var d time.Duration
	if m := spanRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		d = time.Duration(n) * unit
	} else if pd, err := time.ParseDuration(s); err == nil {
		d = pd
	} else {
		return 0, fmt.Errorf("%q is not a span: use a number of days, weeks or hours, like 14d, 2w or 36h", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("the span must be positive, not %q", s)
	}
	return d, nil
}

// parseGrace reads --grace: now (or 0), or a span such as 1h or 7d. A well-formed
// span that is not one of model.Graces reaches the backend, whose refusal lists
// the choices.
func parseGrace(s string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "now", "0", "0s", "0h", "0d":
		return 0, nil
	}
	d, err := parseSpan(s)
	if err != nil {
		return 0, usagef("--grace: %q is not a grace period: use %s", s, model.GraceList())
	}
	return d, nil
}
