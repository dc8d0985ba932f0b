package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/webhooks"
)

func newWebhooksCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "webhooks",
		Short: "Send key events and expiry alerts to other systems",
		Long: `Webhooks send key events (created, updated, rotated, deleted), expiry alerts
(14, 7 and 1 days before a key's last valid day, on expiry, and 24 hours before a
replaced key stops) and member deactivations to an HTTP endpoint, signed as the
Standard Webhooks convention says. Every ` + "`apikeys serve`" + ` delivers them, with retries.
Managing webhooks needs the Primary Owner or a Security Admin.

Events: ` + webhookEventsHelp() + `.`,
	}
	c.AddCommand(newWebhooksListCmd(a), newWebhooksAddCmd(a), newWebhooksRemoveCmd(a),
		newWebhooksEnableCmd(a, true), newWebhooksEnableCmd(a, false),
		newWebhooksTestCmd(a), newWebhooksDeliveriesCmd(a))
	return c
}

func webhookEventsHelp() string {
	names := make([]string, len(model.WebhookEvents))
	for i, e := range model.WebhookEvents {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// hooks is the client's webhook side.
func (a *app) hooks(ctx context.Context) (client.Webhooks, model.ExpiryPolicy, error) {
	c, err := a.client(ctx)
	if err != nil {
		return nil, model.ExpiryPolicy{}, err
	}
	h, ok := c.(client.Webhooks)
	if !ok {
		return nil, model.ExpiryPolicy{}, fmt.Errorf("this client does not offer webhooks")
	}
	return h, c.Policy(), nil
}

func newWebhooksListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List webhook endpoints",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, _, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			eps, err := h.ListWebhooks(cmd.Context())
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.WebhooksOf(eps))
			}
			if len(eps) == 0 {
				fmt.Fprintln(a.env.stdout, "No webhooks yet. Add one with: apikeys webhooks add --url URL --event key.expiring")
				return nil
			}
			t := newTable(a.env.stdout, "ID", "URL", "EVENTS", "FORMAT", "STATE", "DESCRIPTION")
			for _, w := range eps {
				t.row(w.ID, w.URL, eventsText(w.Events), string(w.Format), stateText(w), w.Description)
			}
			return t.flush()
		},
	}
}

func eventsText(es []model.WebhookEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func stateText(w model.WebhookEndpoint) string {
	switch {
	case !w.Enabled && w.DisabledReason != "":
		return "disabled: " + w.DisabledReason
	case !w.Enabled:
		return "disabled"
	case w.FailingSince != nil:
		return "enabled, failing since " + w.FailingSince.UTC().Format("2 Jan 15:04 UTC")
	}
	return "enabled"
}

func newWebhooksAddCmd(a *app) *cobra.Command {
	var (
		url, format, desc string
		events            []string
	)
	c := &cobra.Command{
		Use:   "add --url URL --event TYPE... [--format standard|slack] [--description D]",
		Short: "Add a webhook endpoint and print its signing secret, once",
		Long: `Add a webhook endpoint. Its signing secret (whsec_…) is printed this once:
the receiver needs it to check each delivery's webhook-signature header.

--event names an event to send (repeat it, or separate with commas):
` + webhookEventsHelp() + `.
--format slack sends {"text": "…"} for Slack-style incoming webhooks, unsigned.`,
		Example: "  apikeys webhooks add --url https://hooks.example.com/apikeys --event key.expiring --event key.expired\n" +
			"  apikeys webhooks add --url https://hooks.slack.com/services/… --event key.expiring --format slack",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "url", "event"); err != nil {
				return err
			}
			r := client.AddWebhookRequest{URL: url, Format: model.WebhookFormat(format), Description: desc}
			for _, e := range events {
				pe, err := model.ParseWebhookEvent(e)
				if err != nil {
					return err
				}
				r.Events = append(r.Events, pe)
			}
			h, _, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			w, secret, err := h.AddWebhook(cmd.Context(), r)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.CreatedWebhook{Webhook: contract.WebhookOf(w), Secret: signingSecret(w, secret)})
			}
			fmt.Fprintf(a.env.stdout, "Added webhook %s → %s for %s.\n", w.ID, model.Sanitize(w.URL), eventsText(w.Events))
			if w.Format == model.FormatSlack {
				fmt.Fprintln(a.env.stdout, "Slack-format deliveries are not signed: keep the URL itself secret.")
				return nil
			}
			fmt.Fprintf(a.env.stdout, "\n    %s\n\n", secret.Reveal())
			fmt.Fprintln(a.env.stdout, "This is the signing secret: copy it to the receiver now, it won't be shown again.")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&url, "url", "", "the endpoint's `URL`, http:// or https://")
	f.StringSliceVar(&events, "event", nil, "an event `TYPE` to send, e.g. key.expiring (repeatable)")
	f.StringVar(&format, "format", "standard", "`FORMAT` of the body: standard (signed JSON) or slack")
	f.StringVar(&desc, "description", "", "what the endpoint is for")
	return c
}

// signingSecret is the secret to show: none for slack, whose deliveries are unsigned.
func signingSecret(w model.WebhookEndpoint, secret model.Secret) string {
	if w.Format == model.FormatSlack {
		return ""
	}
	return secret.Reveal()
}

func newWebhooksRemoveCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a webhook endpoint and its delivery history",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			if err := h.RemoveWebhook(cmd.Context(), args[0]); err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.RemovedWebhook{Removed: args[0]})
			}
			fmt.Fprintf(a.env.stdout, "Removed webhook %s.\n", model.Sanitize(args[0]))
			return nil
		},
	}
}

func newWebhooksEnableCmd(a *app, enable bool) *cobra.Command {
	use, short := "enable ID", "Enable a webhook endpoint: pending deliveries resume"
	if !enable {
		use, short = "disable ID", "Disable a webhook endpoint: nothing is sent until it is enabled"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			w, err := h.SetWebhookEnabled(cmd.Context(), args[0], enable)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.WebhookOf(w))
			}
			fmt.Fprintf(a.env.stdout, "Webhook %s is %s.\n", w.ID, stateText(w))
			return nil
		},
	}
}

func newWebhooksTestCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "test ID",
		Short: "Send a ping to a webhook endpoint now and print what it answered",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			d, at, err := h.TestWebhook(cmd.Context(), args[0], webhooks.NewSender(webhooks.SenderConfig{}))
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.WebhookTest{
					Delivery: contract.WebhookDeliveryOf(d, []model.WebhookAttempt{at}), Attempt: contract.WebhookAttemptOf(at)})
			}
			if at.OK() {
				fmt.Fprintf(a.env.stdout, "Ping %s delivered: %d in %s.\n", d.ID, at.Status, at.Duration.Round(time.Millisecond))
				return nil
			}
			return fmt.Errorf("ping %s failed: %s", d.ID, at.Error)
		},
	}
}

func newWebhooksDeliveriesCmd(a *app) *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "deliveries [ENDPOINT]",
		Short: "Show recent deliveries: attempts, status codes, next retry",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, p, err := a.hooks(cmd.Context())
			if err != nil {
				return err
			}
			f := client.DeliveryFilter{Limit: limit}
			if len(args) == 1 {
				f.EndpointID = args[0]
			}
			ds, err := h.ListDeliveries(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.flags.json {
				out := make([]contract.WebhookDelivery, 0, len(ds))
				for _, d := range ds {
					out = append(out, contract.WebhookDeliveryOf(d.WebhookDelivery, d.Log))
				}
				return writeJSON(a.env.stdout, out)
			}
			if len(ds) == 0 {
				fmt.Fprintln(a.env.stdout, "No deliveries yet.")
				return nil
			}
			loc := p.Loc()
			t := newTable(a.env.stdout, "ID", "ENDPOINT", "EVENT", "CREATED", "STATE", "ATTEMPTS", "LAST", "NEXT RETRY")
			for _, d := range ds {
				t.row(d.ID, d.EndpointID, string(d.Event), model.When(d.CreatedAt, loc), string(d.State),
					strconv.Itoa(d.Attempts), lastAttemptText(d.WebhookDelivery), nextRetryText(d.WebhookDelivery, loc))
			}
			return t.flush()
		},
	}
	c.Flags().IntVar(&limit, "limit", 50, "at most `N` deliveries")
	return c
}

func lastAttemptText(d model.WebhookDelivery) string {
	switch {
	case d.Attempts == 0:
		return "-"
	case d.LastStatus != 0 && d.LastError == "":
		return strconv.Itoa(d.LastStatus)
	case d.LastStatus != 0:
		return strconv.Itoa(d.LastStatus) + " " + d.LastError
	}
	return d.LastError
}

func nextRetryText(d model.WebhookDelivery, loc *time.Location) string {
	if d.State != model.DeliveryPending || d.NextAttemptAt == nil {
		return "-"
	}
	return model.When(*d.NextAttemptAt, loc)
}

// startWebhooks runs the delivery worker and the expiry scheduler of `serve`
// until ctx ends; the returned channel closes when both have stopped. Wire the
// metrics counter apikeys_webhook_deliveries_total{result} to OnAttempt here.
func startWebhooks(ctx context.Context, b *backend.Backend, log *slog.Logger, onAttempt func(result string)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		webhooks.Run(ctx, webhooks.Config{Backend: b, Logger: log, OnAttempt: onAttempt})
	}()
	return done
}

// printExpiryBanner is the first line of an SSH command session when keys the
// member may manage expire within 7 days (the TUI shows it in its header). It
// goes to stderr, so `ssh host keys list --json | jq` still reads pure JSON.
func printExpiryBanner(ctx context.Context, b *backend.Backend, m model.Member, w io.Writer) {
	if line := b.ExpiryBanner(ctx, m.ID); line != "" {
		fmt.Fprintf(w, "apikeys: %s (keys list --expiring-within 7d)\n", line)
	}
}
