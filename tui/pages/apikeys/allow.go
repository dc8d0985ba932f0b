package apikeys

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/allowlists"
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
			save := flows.Send{Label: "Saving “" + name + "”", Call: func(ctx context.Context) (any, error) {
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
			}}
			ka, ok := ctx.Client.(client.KeyAddresses)
			// Narrower: a first list of its own, or one list fewer.
			if !ok || (drop == nil && len(start) > 0) {
				return save, nil
			}
			var steps []client.Relink
			for _, id := range add {
				steps = append(steps, client.Relink{List: id, KeyIDs: []string{key.ID}, Link: true})
			}
			for _, id := range drop {
				steps = append(steps, client.Relink{List: id, KeyIDs: []string{key.ID}})
			}
			return allowlists.DryRun(func(ctx context.Context) ([]client.RefusedKey, error) { return ka.DryRunRelink(ctx, steps) }, allowlists.Checked{
				Title: "IP allow lists of “" + name + "”", Question: "Save the lists of “" + name + "”?", Verb: "Save", Apply: save,
				Kept: note{"Nothing changed: the same lists apply to “" + name + "”."}}), nil
		},
		Then: allowlists.Confirmation(ctx),
	}))
}

// where is the client addresses the key shown in details was used from.
type where struct {
	id    string
	addrs []model.KeyAddress
}

// loadWhere reads where key id was used from over the last 30 days, quietly.
func (p *Page) loadWhere(id string) tea.Cmd {
	ka, ok := p.ctx.Client.(client.KeyAddresses)
	if !ok {
		return nil
	}
	return p.ctx.Quiet("Reading where "+id+" is used from", func(ctx context.Context) (tea.Msg, error) {
		as, err := ka.KeyAddresses(ctx, id)
		return where{id, as}, err
	})
}

// reloadWhere reads the shown key's addresses again.
func (p *Page) reloadWhere() tea.Cmd {
	if p.shown == nil {
		return nil
	}
	return p.loadWhere(p.shown.Row().(model.Key).ID)
}

// maxWhereLines is how many addresses the details list; `apikeys keys
// addresses` lists them all.
const maxWhereLines = 20

// whereFields are the details' lines on where k was used from: each address
// with its uses and last seen, and whether k's lists allow it now — by the
// rule a check applies (model.AllowedRanges, Ranges.Refused). Nothing before
// they are read.
func (p *Page) whereFields(k model.Key) []detail.Field {
	if p.where.id != k.ID {
		return nil
	}
	as := p.where.addrs
	if len(as) == 0 {
		return []detail.Field{{Label: "Used from", Value: "no use in the last 30 days"}}
	}
	// Short enough, the hint on a line of its own, to fit beside the labels
	// at 60 columns (30 left for a value): cut, it lost the key to press.
	out := []detail.Field{{Label: "Used from", Value: addresses(len(as)) + ", last 30 days"}}
	if p.canListFromWhere(k) {
		out = append(out, detail.Field{Value: "(n: new allow list from them)"})
	}
	refused, known := p.refusedNow(k, as)
	now, loc := p.ctx.Now(), p.ctx.Policy.Loc()
	st := p.ctx.Styles
	for i, a := range as {
		if i == maxWhereLines {
			out = append(out, detail.Field{Value: "… " + strconv.Itoa(len(as)-i) + " more: apikeys keys addresses " + k.ID})
			break
		}
		seen := a.LastSeen
		line := model.Sanitize(a.Addr) + "  " + plural(int(a.Uses), "use") + ", last seen " + model.Ago(&seen, now, loc)
		f := detail.Field{Value: line}
		switch {
		case !known:
		case slices.ContainsFunc(refused, func(r model.KeyAddress) bool { return r.Addr == a.Addr }):
			f.Value = "refused  " + line
			f.Styled = func(s string) string { return st.Error.Render(s) }
		default:
			f.Value = "allowed  " + line
		}
		out = append(out, f)
	}
	return out
}

// refusedNow is which of as k's lists refuse now; known is false before the
// lists are read (or when the member may not read them).
func (p *Page) refusedNow(k model.Key, as []model.KeyAddress) (refused []model.KeyAddress, known bool) {
	if p.allow.own == nil {
		return nil, false
	}
	var own []model.AllowList
	var def *model.AllowList
	for i, l := range p.allow.lists {
		if slices.Contains(p.allow.own[k.ID], l.ID) {
			own = append(own, l.AllowList)
		}
		if l.Default {
			def = &p.allow.lists[i].AllowList
		}
	}
	return model.AllowedRanges(own, def).Refused(as), true
}

// openFromAddresses makes a list of the addresses k was used from and links
// it to k (n in details).
func (p *Page) openFromAddresses(from any, k model.Key) tea.Cmd {
	if _, ok := p.allowAPI(); !ok {
		return nil
	}
	if p.where.id != k.ID || p.allow.own == nil {
		return app.Info("Still reading where “" + model.Sanitize(k.Name) + "” is used from; press n again in a moment.")
	}
	return allowlists.FromAddresses(p.ctx, from, k, p.where.addrs, len(p.allow.own[k.ID]) > 0)
}

// whereHelp is n in the help of k's details, when a list can be made of its
// addresses.
func (p *Page) whereHelp(k model.Key) []key.Binding {
	if !p.canListFromWhere(k) || p.where.id != k.ID || len(p.where.addrs) == 0 {
		return nil
	}
	return []key.Binding{keymap.With(p.ctx.Keys.New, "list from addresses")}
}

// canListFromWhere is whether n in k's details may make a list of the
// addresses k was used from: the allow lists are reachable and the member
// may manage k.
func (p *Page) canListFromWhere(k model.Key) bool {
	_, ok := p.allowAPI()
	return ok && p.can(k)
}

func addresses(n int) string {
	if n == 1 {
		return "1 address"
	}
	return strconv.Itoa(n) + " addresses"
}
