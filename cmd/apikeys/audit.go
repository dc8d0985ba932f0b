package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func newAuditCmd(a *app) *cobra.Command {
	var types []string
	var limit int
	var actor, keyID string
	c := &cobra.Command{
		Use:   "audit [--type EVENT]... [--actor MEMBER] [--key KEY_ID] [--limit N]",
		Short: "Show recent audit events, newest first",
		Long: `Show recent audit events, newest first: who changed what, when, and from where
(tui, ssh, cli or api). Secrets never appear in the audit trail.

--type keeps one event type (repeat it, or separate with commas, for several):
` + model.EventTypeList() + `.

--actor keeps the events one member made (an email or a member id), or an API
key (its id), or apikeys itself (system). --key keeps the events about one key,
by its id: its creation, edits, rotations (the old key's and the new one's),
deletion and allow-list changes, whether or not the key still exists.`,
		Example: "  apikeys audit\n  apikeys audit --type ApiKeyCreated,ApiKeyRotated --limit 20 --json\n" +
			"  apikeys audit --actor ana@example.com --key key_01J…",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > model.MaxEventPageSize {
				return usagef("--limit must be between 1 and %d, not %d", model.MaxEventPageSize, limit)
			}
			f := client.EventFilter{Limit: limit}
			// Empty is refused, not taken for no filter (as the HTTP API refuses
			// an empty actorId or keyId): --actor "$WHO" with WHO unset would list
			// everyone's events under a filter the reader thinks is on.
			f.Actor, f.Key = strings.TrimSpace(actor), strings.TrimSpace(keyID)
			if cmd.Flags().Changed("actor") && f.Actor == "" {
				return usagef("--actor is empty: give a member's email or id, an API key's id or system, or leave it out")
			}
			if cmd.Flags().Changed("key") && f.Key == "" {
				return usagef("--key is empty: give a key's id, or leave it out")
			}
			for _, t := range types {
				et, err := model.ParseEventType(strings.TrimSpace(t))
				if err != nil {
					return err
				}
				f.Types = append(f.Types, et)
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			page, err := c.ListEvents(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.AuditEventsOf(page.Events))
			}
			if len(page.Events) == 0 {
				fmt.Fprintln(a.env.stdout, "No audit events match.")
				return nil
			}
			loc := c.Policy().Loc()
			t := newTable(a.env.stdout, "TIME", "EVENT", "ACTOR", "SOURCE", "DETAILS")
			for _, e := range page.Events {
				t.row(e.EventTimestamp.In(loc).Format("2006-01-02 15:04:05 MST"), string(e.Type), actorText(e.Actor), string(e.Source), payloadText(contract.AuditEventOf(e).Payload))
			}
			return t.flush()
		},
	}
	c.Flags().StringSliceVar(&types, "type", nil, "only events of this `TYPE`, e.g. ApiKeyCreated (repeatable)")
	c.Flags().StringVar(&actor, "actor", "", "only events made by `MEMBER` (an email or id), an API key's id, or system")
	c.Flags().StringVar(&keyID, "key", "", "only events about the key `KEY_ID`")
	c.Flags().IntVar(&limit, "limit", 50, fmt.Sprintf("at most `N` events, 1 to %d", model.MaxEventPageSize))
	return c
}

func actorText(a model.Actor) string {
	if a.Type == model.ActorMember && a.Email != "" {
		return a.Label() + " <" + a.Email + ">"
	}
	return a.Label()
}

// payloadText flattens an event payload, as its type's struct encodes it, to one
// line for the table: key=value in key order, changes as "name: old → new".
func payloadText(raw json.RawMessage) string {
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		return string(raw)
	}
	var parts []string
	for _, k := range sortedKeys(p) {
		v := p[k]
		if m, ok := v.(map[string]any); ok {
			for _, f := range sortedKeys(m) {
				if c, ok := m[f].(map[string]any); ok && len(c) == 2 && c["old"] != nil {
					parts = append(parts, fmt.Sprintf("%s: %s → %s", f, scalar(c["old"]), scalar(c["new"])))
				} else {
					parts = append(parts, fmt.Sprintf("%s.%s=%s", k, f, scalar(m[f])))
				}
			}
			continue
		}
		parts = append(parts, k+"="+scalar(v))
	}
	return strings.Join(parts, " ")
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		if strings.ContainsAny(v, " \t") || v == "" {
			return fmt.Sprintf("%q", v)
		}
		return v
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
