package allowlists

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// Outcome is the result of FromAddresses for whoever pushed it: what happened,
// for the status line.
type Outcome struct{ Text string }

// FromAddresses pushes, above from, the form of a new list holding the
// addresses k was used from (each its /32 or /128), prefilled and editable; the
// list is then linked to k. When k has no list of its own, linking narrows where
// it works, so the link is confirmed over the backend's dry run first.
func FromAddresses(ctx *app.Context, from any, k model.Key, addrs []model.KeyAddress, hasOwn bool) tea.Cmd {
	api, ok := ctx.Client.(client.AllowLists)
	if !ok || !ctx.Can(model.ActManageAllow, "") {
		return app.Fail(model.Require(ctx.Me.AccountType, model.ActManageAllow, ""))
	}
	if err := model.Require(ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	if len(addrs) == 0 {
		return app.Info("“" + model.Sanitize(k.Name) + "” was not used in the last 30 days: no addresses to make a list of.")
	}
	var ss []string
	for _, a := range addrs {
		ss = append(ss, a.Addr)
	}
	entries, err := model.ParseEntries(ss)
	if err != nil {
		return app.Fail(err)
	}
	keyName := model.Sanitize(k.Name)
	v := &values{name: fromKeyName(keyName), entries: strings.Join(model.EntryStrings(entries), ", "),
		description: "Where “" + keyName + "” was used from"}
	if _, err := model.ValidateWebhookDescription(v.description); err != nil {
		v.description = ""
	}
	keyID := k.ID
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "New IP allow list from where “" + keyName + "” is used", Values: v, Row: flows.KeyRow(ctx.Client, &k),
		Intro: []string{ctx.Styles.Subtle.Render("The addresses it was used from in the last 30 days; once made, the list is linked to the key.")},
		Build: func(f *flows.Form) *huh.Form { return fields(f, v) },
		Submit: func() (flows.Send, error) {
			r := client.CreateAllowListRequest{Name: v.name, Description: v.description, Entries: splitEntries(v.entries)}
			link := func(l View) flows.Send {
				name := model.Sanitize(l.Name)
				return flows.Send{Label: "Linking “" + keyName + "”", Call: func(ctx context.Context) (any, error) {
					return Outcome{"Made IP allow list “" + name + "”: “" + keyName + "” works only from its addresses now."},
						api.LinkAllowList(ctx, l.ID, []string{keyID})
				}}
			}
			ka, dry := ctx.Client.(client.KeyAddresses)
			return flows.Send{Label: "Creating “" + model.Sanitize(v.name) + "”", Call: func(c context.Context) (any, error) {
				l, err := api.CreateAllowList(c, r)
				if err != nil {
					return nil, err
				}
				if hasOwn || !dry {
					// A list more for a key with lists of its own only widens it.
					_, err := link(l).Call(c)
					return Outcome{"Made IP allow list “" + model.Sanitize(l.Name) + "” and added it to the lists of “" + keyName + "”."}, err
				}
				name := model.Sanitize(l.Name)
				rs, err := ka.DryRunLinkAllowList(c, l.ID, []string{keyID})
				return Checked{Refused: rs, Title: "Made IP allow list “" + name + "”",
					Question: "Link “" + keyName + "” to it?", Verb: "Link", Apply: link(l),
					Kept: Outcome{"Made IP allow list “" + name + "”; “" + keyName + "” is not linked to it."}}, err
			}}, nil
		},
		Then: Confirmation(ctx),
	}))
}

// fromKeyName is the name a list made from a key's addresses starts with.
func fromKeyName(key string) string {
	name := "Where " + key + " runs"
	if r := []rune(name); len(r) > model.MaxNameLength {
		name = string(r[:model.MaxNameLength])
	}
	return name
}
