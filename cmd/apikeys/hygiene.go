package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// hygiene is the client's usage, hygiene and ownership side (SPEC §12).
func (a *app) hygiene(ctx context.Context) (client.Hygiene, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := c.(client.Hygiene)
	if !ok {
		return nil, fmt.Errorf("this client does not offer key usage")
	}
	return h, nil
}

// hygieneFlags are the `keys list` filters of SPEC §12 other than
// --expiring-within, which the list has always had.
type hygieneFlags struct {
	neverUsed, ownerDeactivated, noAllowList bool
	idleFor                                  string
}

func (h *hygieneFlags) add(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&h.neverUsed, "never-used", false, "only keys created more than 7 days ago and never used")
	f.StringVar(&h.idleFor, "idle-for", "", "only keys last used this `SPAN` ago or longer (90d, 12w)")
	f.BoolVar(&h.ownerDeactivated, "owner-deactivated", false, "only keys whose owner is deactivated")
	f.BoolVar(&h.noAllowList, "no-allow-list", false, "only keys usable from anywhere: no IP allow list of their own and no default list")
}

// wanted is the buckets a key must be in, and the query they need; none: no
// hygiene filter.
func (h *hygieneFlags) wanted() ([]model.HygieneBucket, client.HealthQuery, error) {
	var bs []model.HygieneBucket
	var q client.HealthQuery
	if h.neverUsed {
		bs = append(bs, model.BucketNeverUsed)
	}
	if h.idleFor != "" {
		d, err := parseSpan(h.idleFor)
		if err != nil {
			return nil, q, usagef("--idle-for: %v", err)
		}
		if d%(24*time.Hour) != 0 {
			return nil, q, usagef("--idle-for: use whole days or weeks, like 90d or 12w")
		}
		q.IdleDays = int(d / (24 * time.Hour))
		bs = append(bs, model.BucketIdle)
	}
	if h.ownerDeactivated {
		bs = append(bs, model.BucketOwnerDeactivated)
	}
	if h.noAllowList {
		bs = append(bs, model.BucketNoAllowList)
	}
	return bs, q, nil
}

// filterHygiene lists the keys (q.Filter picks them, as ListKeys would) that
// model.Hygiene puts in every bucket of bs, in the list's order.
func filterHygiene(ctx context.Context, h client.Hygiene, bs []model.HygieneBucket, q client.HealthQuery) ([]model.Key, error) {
	health, err := h.KeyHealth(ctx, q)
	if err != nil {
		return nil, err
	}
	keys := make([]model.Key, 0, len(health))
	for _, kh := range health {
		ok := true
		for _, b := range bs {
			ok = ok && slices.Contains(kh.Buckets, b)
		}
		if ok {
			keys = append(keys, kh.Key)
		}
	}
	return keys, nil
}

func newKeysUsageCmd(a *app) *cobra.Command {
	var days int
	c := &cobra.Command{
		Use:   "usage KEY_ID [--days N]",
		Short: "A key's uses and refusals per day",
		Long: fmt.Sprintf(`A key's successful uses and its refusals by reason (expired, revoked,
wrong_type, ip_not_allowed) per day of the workspace time zone, oldest first,
every day shown. Days are kept for %d days.`, model.UsageKeptDays),
		Example: "  apikeys keys usage key_01J9Z… --days 7 --json",
		Args:    exactArgs("KEY_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := a.hygiene(cmd.Context())
			if err != nil {
				return err
			}
			ds, err := h.KeyUsage(cmd.Context(), args[0], days)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.UsageDaysOf(ds))
			}
			t := newTable(a.env.stdout, "DAY", "USES", "REFUSED", "REASONS")
			for _, d := range ds {
				t.row(d.Day, strconv.FormatInt(d.Uses, 10), strconv.FormatInt(d.RefusedTotal(), 10), reasons(d.Refused))
			}
			return t.flush()
		},
	}
	c.Flags().IntVar(&days, "days", model.UsageTotalDays, fmt.Sprintf("how many `DAYS`, ending today (1 to %d)", model.UsageKeptDays))
	return c
}

// reasons is "expired 2, wrong_type 1", by reason.
func reasons(m map[string]int64) string {
	var out []string
	for r, n := range m {
		out = append(out, fmt.Sprintf("%s %d", r, n))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// reportHeader is the credential report's CSV header, one column per
// contract.ReportRow field.
var reportHeader = []string{"id", "name", "type", "hint", "owner", "owner_email", "created_at", "expires_at",
	"last_used_at", "last_used_from", "uses_30d", "refused_30d", "allow_lists", "state", "buckets"}

func newKeysReportCmd(a *app) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "report [--format csv|json]",
		Short: "The credential report: every live key, its owner, last use and 30-day uses",
		Long: `The credential report (SPEC §12): one row per live key with its id, name,
type, hint, owner, creation, expiry, last use (when and from where), uses and
refusals in the last 30 days, its own IP allow lists, state and hygiene
buckets. Hints only: never a secret. CSV (RFC 4180, a header row) by default.`,
		Example: "  apikeys keys report > keys.csv\n  apikeys keys report --format json",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.flags.json {
				format = "json"
			}
			if format != "csv" && format != "json" {
				return usagef("--format: %q is not a format: use csv or json", format)
			}
			h, err := a.hygiene(cmd.Context())
			if err != nil {
				return err
			}
			health, err := h.KeyHealth(cmd.Context(), client.HealthQuery{})
			if err != nil {
				return err
			}
			rows := make([]contract.ReportRow, 0, len(health))
			for _, kh := range health {
				rows = append(rows, contract.ReportRowOf(kh.Key, kh.OwnerEmail, kh.Usage, kh.AllowLists, kh.State, kh.Buckets))
			}
			if format == "json" {
				return writeJSON(a.env.stdout, rows)
			}
			w := csv.NewWriter(a.env.stdout)
			_ = w.Write(reportHeader)
			for _, r := range rows {
				last, from := "", ""
				if r.LastUsedAt != nil {
					last = r.LastUsedAt.Format(time.RFC3339)
				}
				if r.LastUsedAddr != nil {
					from = *r.LastUsedAddr
				}
				// Names are data here: sanitised, as in every table, so a
				// spreadsheet or terminal shows what the list shows.
				_ = w.Write([]string{r.ID, model.Sanitize(r.Name), r.Type, r.Hint, model.Sanitize(r.Owner.Name), r.OwnerEmail,
					r.CreatedAt.Format(time.RFC3339), r.ExpiresAt.Format(time.RFC3339), last, from,
					strconv.FormatInt(r.Uses30d, 10), strconv.FormatInt(r.Refused30d, 10),
					model.Sanitize(strings.Join(r.AllowLists, "; ")), r.State, strings.Join(r.Buckets, " ")})
			}
			w.Flush()
			return w.Error()
		},
	}
	c.Flags().StringVar(&format, "format", "csv", "`FORMAT`: csv or json")
	return c
}

func newKeysTransferCmd(a *app) *cobra.Command {
	var to string
	c := &cobra.Command{
		Use:   "transfer KEY_ID --to MEMBER",
		Short: "Make another member a key's owner",
		Long: `Make another member (email or id) the key's owner, audited as
ApiKeyOwnerChanged. You need the right to manage keys of its type, and so does
the new owner, who must be active.`,
		Example: "  apikeys keys transfer key_01J9Z… --to bo@example.com",
		Args:    exactArgs("KEY_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "to"); err != nil {
				return err
			}
			h, err := a.hygiene(cmd.Context())
			if err != nil {
				return err
			}
			k, err := h.TransferKey(cmd.Context(), args[0], to, 0)
			if err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.KeyOf(k, c.Policy(), c.Now()))
			}
			fmt.Fprintf(a.env.stdout, "Key %s %s now belongs to %s.\n", k.ID, model.Quote(k.Name), model.Sanitize(k.OwnerName))
			return nil
		},
	}
	c.Flags().StringVar(&to, "to", "", "the new owner: `MEMBER` email or id")
	return c
}

func newKeysRetireCmd(a *app) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "retire KEY_ID [--yes]",
		Short: "End a replaced key's grace period now",
		Long: `End a replaced key's grace period now ("retire now", SPEC §12): the old key
stops working at once, as if it had been rotated with grace "now". Only a
replaced key still in its grace can be retired, by someone who may manage keys
of its type. Audited as ApiKeyUpdated (its expiry's old and new values).

Without --yes it asks first, on a terminal, saying when the key was last used
and how often since it was replaced. Without a terminal --yes is required.`,
		Example: "  apikeys keys retire key_01J9Z…\n  apikeys keys retire key_01J9Z… --yes",
		Args:    exactArgs("KEY_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			h, err := a.hygiene(ctx)
			if err != nil {
				return err
			}
			c, err := a.client(ctx)
			if err != nil {
				return err
			}
			k, err := c.GetKey(ctx, args[0])
			if err != nil {
				return err
			}
			// Refused before asking, as the TUI offers it only then.
			me, err := c.Me(ctx)
			if err != nil {
				return err
			}
			if err := model.Require(me.AccountType, model.ActManageKeys, k.Type); err != nil {
				return err
			}
			now := c.Now()
			if err := model.CanRetire(k, now); err != nil {
				return err
			}
			what := fmt.Sprintf("key “%s” (%s)", model.Sanitize(k.Name), k.ID)
			if err := a.confirmUnlessYes(ctx, yes, ask{
				Verb: "retire", Doing: "retiring", What: what, Question: "Retire " + what + " now?",
				Warn: func(w io.Writer) {
					loc := c.Policy().Loc()
					fmt.Fprintf(w, "Its grace would end in %s; it was last used %s%s. Whoever still calls it is refused from now on.\n",
						model.Span(k.ExpiresAt.Sub(now)), model.Ago(k.LastUsedAt, now, loc), usesSince(ctx, c, h, k, now, loc))
				},
				Declined: "Not retired: " + what + " works until its grace ends.",
			}); err != nil {
				return err
			}
			nk, err := h.RetireKey(ctx, k.ID, k.Version)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.KeyOf(nk, c.Policy(), c.Now()))
			}
			fmt.Fprintf(a.env.stdout, "Retired key “%s” (%s): its grace is over and it no longer works.\n", model.Sanitize(nk.Name), nk.ID)
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "retire without asking")
	return c
}

// usesSince is ", and N times since DAY (the day it was replaced)" for a
// replaced key whose day's counts say more than its last use (written once a
// minute); "" when nothing was counted or it can't be read.
func usesSince(ctx context.Context, c client.Client, h client.Hygiene, k model.Key, now time.Time, loc *time.Location) string {
	r, err := c.GetKey(ctx, k.ReplacedBy)
	if err != nil {
		return ""
	}
	day := model.DateOf(r.CreatedAt, loc)
	days, err := h.KeyUsage(ctx, k.ID, model.DateOf(now, loc).DaysSince(day)+1)
	if err != nil {
		return ""
	}
	var n int64
	for _, d := range days {
		n += d.Uses
	}
	if n == 0 {
		return ""
	}
	times := fmt.Sprintf("%d times", n)
	if n == 1 {
		times = "once"
	}
	return fmt.Sprintf(", and %s since %s (the day it was replaced)", times, day.Human())
}

// deactivateWithKeys deactivates a member, transferring their live keys to
// transferTo ("" leaves them, listed: they keep working).
func (a *app) deactivateWithKeys(ctx context.Context, member, transferTo string) error {
	h, err := a.hygiene(ctx)
	if err != nil {
		return err
	}
	m, keys, err := h.DeactivateTransfer(ctx, member, 0, transferTo)
	if err != nil {
		return err
	}
	if a.flags.json {
		return writeJSON(a.env.stdout, contract.MemberOf(m))
	}
	fmt.Fprintf(a.env.stdout, "Deactivated %s: they can no longer sign in, and their open sessions end.\n", who(m))
	if len(keys) == 0 {
		return nil
	}
	if transferTo != "" {
		fmt.Fprintf(a.env.stdout, "Transferred their %s to %s.\n", liveKeys(len(keys)), model.Sanitize(keys[0].OwnerName))
		return nil
	}
	fmt.Fprintf(a.env.stdout, "They still own %s, which keep working; transfer with `apikeys keys transfer KEY_ID --to MEMBER`:\n", liveKeys(len(keys)))
	t := newTable(a.env.stdout, "ID", "NAME", "TYPE", "KEY")
	for _, k := range keys {
		t.row(k.ID, k.Name, k.Type.Label(), k.Hint)
	}
	return t.flush()
}

func liveKeys(n int) string {
	if n == 1 {
		return "1 live key"
	}
	return fmt.Sprintf("%d live keys", n)
}
