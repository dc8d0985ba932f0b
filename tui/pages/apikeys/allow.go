package apikeys

import (
	"context"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// allowInfo is the workspace's IP allow lists and each key's own, for the
// details and the l form; read apart from the keys, quietly.
type allowInfo struct {
	lists []client.AllowListView
	own   map[string][]string // key id → list ids
}

// allowLinked is the l form's result.
type allowLinked struct {
	key   model.Key
	lists []string // the key's own lists now
}

func (p *Page) allowAPI() (client.AllowLists, bool) {
	a, ok := p.ctx.Client.(client.AllowLists)
	return a, ok && p.ctx.Can(model.ActManageAllow, "")
}

// loadAllow reads the lists again (on sign-in, ctrl+r, a change to lists or keys).
func (p *Page) loadAllow() tea.Cmd {
	a, ok := p.allowAPI()
	if !ok {
		return nil
	}
	return p.ctx.Quiet("Loading IP allow lists", func(ctx context.Context) (tea.Msg, error) {
		ls, err := a.ListAllowLists(ctx)
		if err != nil {
			return nil, err
		}
		own, err := a.KeyAllowLists(ctx)
		return allowInfo{ls, own}, err
	})
}

// allowField says where k may be used from: its own lists, the default, or
// anywhere (SPEC §10). Nothing before the lists are read.
func (p *Page) allowField(k model.Key) (detail.Field, bool) {
	if p.allow.own == nil {
		return detail.Field{}, false
	}
	var own []string
	def := ""
	for _, l := range p.allow.lists {
		if slices.Contains(p.allow.own[k.ID], l.ID) {
			own = append(own, "“"+model.Sanitize(l.Name)+"”")
		}
		if l.Default {
			def = model.Sanitize(l.Name)
		}
	}
	v := "none — usable from anywhere"
	switch {
	case len(own) > 0:
		v = strings.Join(own, ", ")
	case def != "":
		v = "none of its own — the default list “" + def + "” applies"
	}
	return detail.Field{Label: "IP allow lists", Value: v + "  (l)"}, true
}

// openAllow picks the lists k is linked to.
func (p *Page) openAllow(from any, k model.Key) tea.Cmd {
	a, ok := p.allowAPI()
	if !ok {
		return nil
	}
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	if p.allow.own == nil {
		return app.Info("The IP allow lists are still loading; press l again in a moment.")
	}
	if len(p.allow.lists) == 0 {
		return app.Info("No IP allow lists yet: make one on the IP allow lists page.")
	}
	chosen := slices.Clone(p.allow.own[k.ID])
	start := slices.Clone(chosen)
	var opts []huh.Option[string]
	for _, l := range p.allow.lists {
		label := model.Sanitize(l.Name) + "  ·  " + strings.Join(model.EntryStrings(l.Entries), ", ")
		if l.Default {
			label += "  (default)"
		}
		opts = append(opts, huh.NewOption(label, l.ID))
	}
	name := model.Sanitize(k.Name)
	ctx := p.ctx
	height := p.keys.H
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "IP allow lists of " + k.Named(), Values: &chosen,
		Intro: []string{ctx.Styles.Subtle.Render("The key works only from the addresses of the lists chosen; with none, the default list applies (or anywhere).")},
		Row:   flows.KeyRow(ctx.Client, &k),
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewMultiSelect[string]().Title("Lists").Options(opts...).Value(&chosen).
				Height(min(len(opts)+2, max(height-8, 4)))))
		},
		Submit: func() (flows.Send, error) {
			var add, drop []string
			for _, l := range p.allow.lists {
				was, is := slices.Contains(start, l.ID), slices.Contains(chosen, l.ID)
				switch {
				case is && !was:
					add = append(add, l.ID)
				case was && !is:
					drop = append(drop, l.ID)
				}
			}
			if add == nil && drop == nil {
				return flows.Send{Result: note{"Nothing to save: the same lists apply."}}, nil
			}
			key, now := k, slices.Clone(chosen)
			return flows.Send{Label: "Saving “" + name + "”", Call: func(ctx context.Context) (any, error) {
				for _, id := range add {
					if err := a.LinkAllowList(ctx, id, []string{key.ID}); err != nil {
						return nil, err
					}
				}
				for _, id := range drop {
					if err := a.UnlinkAllowList(ctx, id, []string{key.ID}); err != nil {
						return nil, err
					}
				}
				return allowLinked{key, now}, nil
			}}, nil
		},
	}))
}
