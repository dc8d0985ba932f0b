package members

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/rotation"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// Deactivating a member who owns live keys (SPEC §12) shows the keys first and
// offers to transfer them to a member able to manage their types, to rotate
// them, or to leave them working as they are.

// What to do with a deactivated member's keys.
const (
	keysLeave    = "leave"
	keysTransfer = "transfer"
	keysRotate   = "rotate"
)

// owned is a member's live keys, read before the deactivation form opens.
type owned struct {
	from   any
	member model.Member
	keys   []model.Key
}

// deactivatedRotate is a deactivation whose keys the admin chose to rotate:
// the rotation form opens next.
type deactivatedRotate struct {
	changed
	keys []model.Key
}

// lookUpOwned reads m's live keys; the deactivation form opens with them.
func (p *Page) lookUpOwned(from any, m model.Member, h client.Hygiene) tea.Cmd {
	return p.ctx.Call("Looking up the keys of “"+model.Sanitize(m.Name)+"”", func(ctx context.Context) (tea.Msg, error) {
		ks, err := h.OwnedKeys(ctx, m.ID)
		return owned{from, m, ks}, err
	})
}

// transferTargets are the members, m aside, who may own every key of keys
// (model.CanOwnKey: active, able to manage its type).
func (p *Page) transferTargets(m model.Member, keys []model.Key) []model.Member {
	var out []model.Member
	for _, t := range p.members.Items {
		if t.ID == m.ID || !t.Active() {
			continue
		}
		if !slices.ContainsFunc(keys, func(k model.Key) bool { return model.CanOwnKey(t, k.Type) != nil }) {
			out = append(out, t)
		}
	}
	return out
}

// openDeactivateOwning is the deactivation of m, who owns keys.
func (p *Page) openDeactivateOwning(o owned) tea.Cmd {
	m, keys := o.member, o.keys
	if len(keys) == 0 {
		return p.openToggleConfirm(o.from, m)
	}
	ctx, c := p.ctx, p.ctx.Client
	h, _ := ctx.Hygiene()
	st := ctx.Styles
	name := model.Sanitize(m.Name)
	now := ctx.Now()
	n := len(keys)
	intro := []string{st.Subtle.Render(ansi.Truncate(fmt.Sprintf("“%s” owns %s that still work:", name, plural(n, "live key")), max(p.members.W, 10), "…"))}
	// Room for the keys: what the form's fields leave of the pane.
	show := min(n, max(p.members.H-14, 1))
	if show < n && show > 1 {
		show-- // the "and N more" line takes one
	}
	nw := 0
	for _, k := range keys[:show] {
		nw = max(nw, ansi.StringWidth(model.Sanitize(k.Name)))
	}
	nw = min(nw, 24)
	for _, k := range keys[:show] {
		exp, _ := expiry.Column(k, now, ctx.Policy)
		kn := ansi.Truncate(model.Sanitize(k.Name), nw, "…")
		kn += strings.Repeat(" ", nw-ansi.StringWidth(kn))
		line := ansi.Truncate("  • "+kn+"  "+k.Type.Label()+" · "+exp, max(p.members.W, 10), "…")
		intro = append(intro, st.Value.Render(line))
	}
	if show < n {
		intro = append(intro, st.Subtle.Render(fmt.Sprintf("  … and %d more", n-show)))
	}
	targets := p.transferTargets(m, keys)
	v := &struct {
		what, to string
		confirm  bool
	}{what: keysLeave}
	var choices []huh.Option[string]
	if len(targets) > 0 {
		choices = append(choices, huh.NewOption("Transfer them to another member", keysTransfer))
	}
	rotatable := slices.ContainsFunc(keys, func(k model.Key) bool { return rotation.Rotatable(ctx, k) == nil })
	if rotatable {
		choices = append(choices, huh.NewOption("Rotate them (new secrets, shown once)", keysRotate))
	}
	choices = append(choices, huh.NewOption("Leave them: they keep working", keysLeave))
	var people []huh.Option[string]
	for _, t := range targets {
		people = append(people, huh.NewOption(model.Sanitize(t.Name)+" · "+t.AccountType.Label(), t.ID))
	}
	if len(targets) > 0 {
		v.to = targets[0].ID
	}
	room := form.Room(p.members.H, intro)
	target := m
	return app.Push(o.from, flows.NewForm(ctx, flows.Spec{
		Title: "Deactivate member", Intro: intro, Row: p.row(&target),
		Build: func(*flows.Form) *huh.Form {
			confirm := huh.NewConfirm().Title("Deactivate “" + name + "”?").
				Description("They can no longer sign in, and their open sessions end.").
				Affirmative("Deactivate").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
			return huh.NewForm(
				huh.NewGroup(form.Fit(huh.NewSelect[string]().Title("Their keys").Options(choices...).Value(&v.what), len(choices), room)),
				huh.NewGroup(form.Fit(huh.NewSelect[string]().Title("Transfer them to").
					Description("Only members who may manage every type among them.").Options(people...).Value(&v.to), len(people), room)).
					WithHideFunc(func() bool { return v.what != keysTransfer }),
				huh.NewGroup(confirm))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			m := target
			if !v.confirm {
				return flows.Send{Result: note{}}, nil
			}
			switch v.what {
			case keysTransfer:
				to := v.to
				toName := to
				for _, t := range targets {
					if t.ID == to {
						toName = model.Sanitize(t.Name)
					}
				}
				return flows.Send{Label: "Deactivating “" + name + "”", Call: func(ctx context.Context) (any, error) {
					nm, _, err := h.DeactivateTransfer(ctx, m.ID, m.Version, to)
					return changed{nm, fmt.Sprintf("Deactivated “%s”; %s now owned by “%s”.", name, plural(n, "key"), toName)}, err
				}}, nil
			case keysRotate:
				return flows.Send{Label: "Deactivating “" + name + "”", Call: func(ctx context.Context) (any, error) {
					nm, err := c.Deactivate(ctx, m.ID, m.Version)
					return deactivatedRotate{changed{nm, "Deactivated “" + name + "”."}, keys}, err
				}}, nil
			}
			return flows.Send{Label: "Deactivating “" + name + "”", Call: func(ctx context.Context) (any, error) {
				nm, err := c.Deactivate(ctx, m.ID, m.Version)
				return changed{nm, fmt.Sprintf("Deactivated “%s”; %s %s working.", name, their(n), keepVerb(n))}, err
			}}, nil
		},
	}))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func their(n int) string {
	if n == 1 {
		return "their key"
	}
	return fmt.Sprintf("their %d keys", n)
}

func keepVerb(n int) string {
	if n == 1 {
		return "keeps"
	}
	return "keep"
}
