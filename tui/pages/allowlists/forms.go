package allowlists

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

type values struct {
	name, entries, description string
	keys                       []string
	confirm                    bool
}

// splitEntries reads the entries field: one per line, or separated by commas
// or spaces.
func splitEntries(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\t' })
}

// checkEntries is the entries field's check: model's parser on each entry, so
// a range with host bits set is refused with the one it probably meant.
func checkEntries(s string) (string, error) {
	ps, err := model.ParseEntries(splitEntries(s))
	if err != nil {
		return "", err
	}
	if _, err := model.ValidateAllowList(model.AllowList{Name: "x", Entries: ps}); err != nil {
		return "", err
	}
	return plural(len(ps), "entry") + ": " + strings.Join(model.EntryStrings(ps), ", "), nil
}

func checkName(s string) (string, error) {
	_, err := model.ValidateName(s)
	return "", err
}

func checkDescription(s string) (string, error) {
	_, err := model.ValidateWebhookDescription(s)
	return "", err
}

// fields are the create and edit forms' fields over v.
func fields(f *flows.Form, v *values) *huh.Form {
	name := f.Checked("name", "Name", fmt.Sprintf("What it holds, e.g. “Office egress”. 1–%d characters.", model.MaxNameLength), &v.name, checkName)
	name.Input.CharLimit(model.MaxNameLength + 16)
	entries := f.Checked("entry", "Entries", "Addresses or CIDR ranges, separated by commas or spaces: 203.0.113.9, 198.51.100.0/24, 2001:db8::/48", &v.entries, checkEntries)
	entries.Input.CharLimit(20000)
	desc := f.Checked("description", "Description", "Optional.", &v.description, checkDescription)
	return huh.NewForm(huh.NewGroup(name.Input, entries.Input, desc.Input))
}

func (p *Page) openCreate() tea.Cmd {
	v := &values{}
	api, ctx := p.api, p.ctx
	return app.Push(p, flows.NewForm(ctx, flows.Spec{
		Title: "New IP allow list", Values: v,
		Intro: []string{ctx.Styles.Subtle.Render("Keys linked to it work only from these addresses; link keys with l once it exists.")},
		Build: func(f *flows.Form) *huh.Form { return fields(f, v) },
		Submit: func() (flows.Send, error) {
			r := client.CreateAllowListRequest{Name: v.name, Description: v.description, Entries: splitEntries(v.entries)}
			return flows.Send{Label: "Creating “" + model.Sanitize(v.name) + "”", Call: func(ctx context.Context) (any, error) {
				l, err := api.CreateAllowList(ctx, r)
				return saved{l, true}, err
			}}, nil
		},
	}))
}

// listRow is *l as a form's Row: a form about it closes when it is deleted
// elsewhere, and takes its latest version after a conflict.
func listRow(api client.AllowLists, l *View) *flows.Row {
	id := l.ID
	return &flows.Row{Kind: client.NoticeAllowList, ID: id, Name: model.Sanitize(l.Name),
		Get:   func(ctx context.Context) (any, error) { return api.GetAllowList(ctx, id) },
		Gone:  func(any) string { return "" },
		Adopt: func(row any) { *l = row.(View) }}
}

func (p *Page) openEdit(l View) tea.Cmd { return app.Push(p, p.editForm(l, nil)) }

// reopen is the result of an edit's confirmation answered Cancel: the form
// again, with what was typed.
type reopen struct {
	list  View
	typed values
}

// editForm edits l; typed, when set, is what was typed in it before.
func (p *Page) editForm(l View, typed *values) app.Flow {
	v := &values{name: l.Name, description: l.Description, entries: strings.Join(model.EntryStrings(l.Entries), ", ")}
	if typed != nil {
		*v = *typed
	}
	api, ctx := p.api, p.ctx
	target := l
	return flows.NewForm(ctx, flows.Spec{
		Title: "Edit IP allow list", Values: v, Row: listRow(api, &target),
		Intro: []string{ctx.Styles.Subtle.Render(fmt.Sprintf("Linked to %s.", plural(len(l.KeyIDs), "key")))},
		Build: func(f *flows.Form) *huh.Form { return fields(f, v) },
		Submit: func() (flows.Send, error) {
			now, err := model.ParseEntries(splitEntries(v.entries))
			if err != nil {
				return flows.Send{}, err
			}
			old := target
			r := client.EditAllowListRequest{Version: old.Version}
			if strings.TrimSpace(v.name) != old.Name {
				r.Name = &v.name
			}
			if strings.TrimSpace(v.description) != old.Description {
				r.Description = &v.description
			}
			for _, e := range now {
				if !slices.Contains(old.Entries, e) {
					r.AddEntries = append(r.AddEntries, e.String())
				}
			}
			for _, e := range old.Entries {
				if !slices.Contains(now, e) {
					r.RemoveEntries = append(r.RemoveEntries, e.String())
				}
			}
			if r.Name == nil && r.Description == nil && r.AddEntries == nil && r.RemoveEntries == nil {
				return flows.Send{Result: note{"Nothing to save: the list is unchanged."}}, nil
			}
			save := flows.Send{Label: "Saving “" + model.Sanitize(v.name) + "”", Call: func(ctx context.Context) (any, error) {
				l, err := api.EditAllowList(ctx, old.ID, r)
				return saved{list: l}, err
			}}
			ka, ok := ctx.Client.(client.KeyAddresses)
			if !ok || r.RemoveEntries == nil {
				return save, nil // only added entries: nothing narrows
			}
			name := model.Sanitize(old.Name)
			return DryRun(func(ctx context.Context) ([]client.RefusedKey, error) { return ka.DryRunEditAllowList(ctx, old.ID, r) }, Checked{
				Title: "Edit IP allow list", Question: "Save the new entries of “" + name + "”?", Verb: "Save", Apply: save,
				Kept: reopen{old, *v}}), nil
		},
		Then: Confirmation(ctx),
	})
}

// openDelete asks before deleting l, over the dry run of the delete when the
// client has one (SPEC §10): a key that keeps other lists, or falls under a
// narrower default, may be refused from where it runs. Cancel is the default.
func (p *Page) openDelete(l View) tea.Cmd {
	ka, ok := p.ctx.Client.(client.KeyAddresses)
	if !ok {
		return app.Push(p, p.deleteForm(l, nil, false))
	}
	id := l.ID
	return p.ctx.Call("Checking recent uses", func(ctx context.Context) (tea.Msg, error) {
		rs, err := ka.DryRunDeleteAllowList(ctx, id)
		return deleteChecked{l, rs}, err
	})
}

// deleteLongFrom is the page height from which the delete confirmation
// explains, under its dry run, what becomes of the list's keys.
const deleteLongFrom = 20

// deleteChecked is the dry run of deleting list: what it would refuse.
type deleteChecked struct {
	list    View
	refused []client.RefusedKey
}

// deleteForm is the confirmation of deleting l; checked, it says what the
// dry run found (refused).
func (p *Page) deleteForm(l View, refused []client.RefusedKey, checked bool) app.Flow {
	v := &values{}
	api, ctx := p.api, p.ctx
	name := model.Sanitize(l.Name)
	desc := "No key is linked to it."
	// Short, the dry run above it, when the pane is too low for both: what
	// the dry run says is what the long text explains.
	short := checked && p.lists.H < deleteLongFrom
	if n := len(l.KeyIDs); n > 0 {
		desc = fmt.Sprintf("%s lose it: each works from anywhere, or from the default list, unless another list of its own applies.", plural(n, "key"))
		switch {
		case short && n == 1:
			desc = "1 key loses it."
		case short:
			desc = plural(n, "key") + " lose it."
		case n == 1:
			desc = "1 key loses it: it works from anywhere, or from the default list, unless another list of its own applies."
		}
	}
	switch {
	case l.Default && short:
		desc += " It is the default list."
	case l.Default:
		desc += " It is the default list: keys without a list of their own will work from anywhere."
	}
	target := l
	intro := []string{ctx.Styles.Subtle.Render(plural(len(l.Entries), "entry") + ": " + strings.Join(model.EntryStrings(l.Entries), ", "))}
	if checked {
		intro = append(intro, refusedIntro(ctx, refused)...)
	}
	return flows.NewForm(ctx, flows.Spec{
		Title: "Delete IP allow list", Row: listRow(api, &target),
		Intro: intro,
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(
				huh.NewConfirm().Title("Delete “" + name + "”?").Description(desc).
					Affirmative("Delete").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			if !v.confirm {
				return flows.Send{Result: note{"Kept “" + name + "”."}}, nil
			}
			return flows.Send{Label: "Deleting “" + name + "”", Call: func(ctx context.Context) (any, error) {
				return removed{target}, api.DeleteAllowList(ctx, target.ID)
			}}, nil
		},
	})
}

// linkForm picks the keys l restricts among those the member may manage;
// keys of other types stay as they are. keys are the newest and those linked
// (linkChoices); more says there are others, which the CLI links by id.
func (p *Page) linkForm(l View, keys []model.Key, more bool) app.Flow {
	v := &values{}
	api, ctx := p.api, p.ctx
	var opts []huh.Option[string]
	var mine []string
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b model.Key) int { return strings.Compare(a.Name, b.Name) })
	for _, k := range keys {
		if k.DeletedAt != nil || !ctx.Can(model.ActManageKeys, k.Type) {
			continue
		}
		mine = append(mine, k.ID)
		exp, _ := expiry.Column(k, ctx.Now(), ctx.Policy)
		opts = append(opts, huh.NewOption(model.Sanitize(k.Name)+"  ·  "+k.Type.Label()+"  ·  "+exp, k.ID))
		if slices.Contains(l.KeyIDs, k.ID) {
			v.keys = append(v.keys, k.ID)
		}
	}
	others := len(l.KeyIDs) - len(v.keys)
	intro := []string{ctx.Styles.Subtle.Render("A linked key works only from this list's addresses (and those of its other lists).")}
	if others > 0 {
		intro = append(intro, ctx.Styles.Subtle.Render(plural(others, "other key")+" you may not manage stay linked."))
	}
	if more {
		intro = append(intro, ctx.Styles.Subtle.Render(fmt.Sprintf("Shown: the %d newest keys and those linked (/ narrows them). Link another with: apikeys allowlists link %s KEY_ID",
			linkPage, model.Sanitize(l.ID))))
	}
	start := slices.Clone(v.keys)
	target := l
	height := p.lists.H
	return flows.NewForm(ctx, flows.Spec{
		Title: "Keys restricted by “" + model.Sanitize(l.Name) + "”", Intro: intro, Values: v, Row: listRow(api, &target),
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewMultiSelect[string]().Title("Keys").
				Options(opts...).Value(&v.keys).
				Height(min(len(opts)+2, max(height-8, 4)))))
		},
		Submit: func() (flows.Send, error) {
			var add, drop []string
			for _, id := range mine {
				was, is := slices.Contains(start, id), slices.Contains(v.keys, id)
				switch {
				case is && !was:
					add = append(add, id)
				case was && !is:
					drop = append(drop, id)
				}
			}
			if add == nil && drop == nil {
				return flows.Send{Result: note{"Nothing to save: the same keys are linked."}}, nil
			}
			id, n := target.ID, len(v.keys)+others
			link := flows.Send{Label: "Linking keys", Call: func(ctx context.Context) (any, error) {
				if len(add) > 0 {
					if err := api.LinkAllowList(ctx, id, add); err != nil {
						return nil, err
					}
				}
				if len(drop) > 0 {
					if err := api.UnlinkAllowList(ctx, id, drop); err != nil {
						return nil, err
					}
				}
				return linked{list: target, added: n}, nil
			}}
			ka, ok := ctx.Client.(client.KeyAddresses)
			if !ok || !p.narrows(add, drop) {
				return link, nil
			}
			var steps []client.Relink
			if add != nil {
				steps = append(steps, client.Relink{List: id, KeyIDs: add, Link: true})
			}
			if drop != nil {
				steps = append(steps, client.Relink{List: id, KeyIDs: drop})
			}
			name := model.Sanitize(target.Name)
			return DryRun(func(ctx context.Context) ([]client.RefusedKey, error) { return ka.DryRunRelink(ctx, steps) }, Checked{
				Title: "Keys restricted by “" + name + "”", Question: "Save the keys of “" + name + "”?", Verb: "Save", Apply: link,
				Kept: note{"Nothing changed: “" + name + "” restricts the same keys."}}), nil
		},
		Then: Confirmation(ctx),
	})
}

// narrows reports whether linking add and unlinking drop may narrow where a
// key works: a key under no list of its own that gains one, or any key that
// loses one. Adding a list to a key that has one only widens it (a union).
func (p *Page) narrows(add, drop []string) bool {
	if len(drop) > 0 {
		return true
	}
	for _, id := range add {
		if !slices.ContainsFunc(p.lists.Items, func(l View) bool { return slices.Contains(l.KeyIDs, id) }) {
			return true
		}
	}
	return false
}
