package apikeys

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// values are what a key form is bound to. They outlive a rebuilt form, which
// is how a refused submission keeps what was typed.
type values struct {
	expiry.Choice
	name    string
	typ     model.KeyType
	confirm bool
}

func checkName(s string) (string, error) {
	_, err := model.ValidateName(s)
	return "", err
}

// nameField is the Name field of the create and edit forms.
func nameField(ctx *app.Context, f *flows.Form, v *values, hint string) *form.Input {
	name := f.Checked("name", "Name", hint, &v.name, checkName)
	name.Input.CharLimit(model.MaxNameLength + 16)
	return name.Input
}

func (p *Page) openCreate() tea.Cmd {
	types := model.ManageableKeyTypes(p.ctx.Me.AccountType)
	if len(types) == 0 {
		return app.Fail(model.Require(p.ctx.Me.AccountType, model.ActManageKeys, model.KeyImport))
	}
	v := &values{typ: types[0], Choice: expiry.Choice{Expiry: "+30d"}}
	var opts []huh.Option[model.KeyType]
	for _, t := range types {
		opts = append(opts, huh.NewOption(t.Label(), t))
	}
	var intro []string
	if p.keys.H >= 20 { // on a short terminal the secret panel says it anyway
		intro = []string{p.ctx.Styles.Subtle.Render("The secret is shown once, right after the key is created.")}
	}
	room := form.Room(p.keys.H, intro)
	c, ctx := p.ctx.Client, p.ctx
	return app.Push(p, flows.NewForm(ctx, flows.Spec{
		Title: "New API key", Intro: intro, Values: v,
		Build: func(f *flows.Form) *huh.Form {
			exp, custom := expiry.Fields(ctx, f, &v.Choice, "Expiration", "", room, nil)
			return huh.NewForm(
				huh.NewGroup(nameField(ctx, f, v, fmt.Sprintf("What uses it, e.g. “Nightly export to S3”. 1–%d characters.", model.MaxNameLength)),
					form.Fit(huh.NewSelect[model.KeyType]().Title("Key type").Options(opts...).Value(&v.typ), len(opts), room),
					exp),
				custom)
		},
		Submit: func() (flows.Send, error) {
			name, err := model.ValidateName(v.name)
			if err != nil {
				return flows.Send{}, err
			}
			d, err := v.Date(ctx)
			if err != nil {
				return flows.Send{}, err
			}
			req := client.CreateKeyRequest{Name: name, Type: v.typ, Expires: d}
			return flows.Send{Label: "Creating “" + model.Sanitize(name) + "”", Call: func(ctx context.Context) (any, error) {
				key, secret, err := c.CreateKey(ctx, req)
				return created{key, secret}, err
			}}, nil
		},
		Then: func(result any) app.Flow {
			r, ok := result.(created)
			if !ok {
				return nil
			}
			return flows.NewSecret(ctx, secret.New(ctx, secret.Entry{Name: r.key.Name, KeyID: r.key.ID, Type: r.key.Type, Secret: r.secret}))
		},
	}))
}

func (p *Page) openEdit(from any, k model.Key) tea.Cmd {
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	ctx := p.ctx
	now, pol, st, c := ctx.Now(), ctx.Policy, ctx.Styles, ctx.Client
	// A stored name with control characters (bad data from before validation) is
	// offered in its escaped form: the text field must not send it to the
	// terminal raw, and saving it stores the readable, safe text instead.
	v := &values{name: model.Sanitize(k.Name), Choice: expiry.Choice{Expiry: expiry.Keep}}
	intro := []string{st.Label.Render("Key type  ") + st.Value.Render(k.Type.Label()) + st.Subtle.Render(" (a key's type never changes)")}
	expired := k.State(now) == model.KeyExpired
	switch {
	case expired && k.ReplacedBy != "":
		intro = append(intro, st.Warn.Render("⚠ Replaced by "+k.ReplacedBy+": it stopped working when it was rotated, and can't be extended."))
	case expired:
		intro = append(intro, st.Warn.Render("⚠ Expired "+pol.ValidThrough(k.ExpiresAt).AddDays(1).Human()+": an expired key can't be extended."),
			st.Subtle.Render("Rotate it (r) to issue a new secret with a new date."))
	}
	target := k
	room := form.Room(p.keys.H, intro)
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "Edit " + k.Named(), Intro: intro, Values: v, Row: flows.KeyRow(p.ctx.Client, &target),
		Build: func(f *flows.Form) *huh.Form {
			name := nameField(ctx, f, v, fmt.Sprintf("1–%d characters.", model.MaxNameLength))
			if expired {
				return huh.NewForm(huh.NewGroup(name))
			}
			exp, custom := expiry.Fields(ctx, f, &v.Choice, "Expiration", "Keep: valid through "+pol.ValidThrough(k.ExpiresAt).Human(), room, nil)
			return huh.NewForm(huh.NewGroup(name, exp), custom)
		},
		Submit: func() (flows.Send, error) {
			k := target
			name, err := model.ValidateName(v.name)
			if err != nil {
				return flows.Send{}, err
			}
			req := client.EditKeyRequest{Version: k.Version}
			if name != k.Name {
				req.Name = &name
			}
			if v.Expiry != expiry.Keep && !expired {
				d, err := v.Date(ctx)
				if err != nil {
					return flows.Send{}, err
				}
				req.Expires = &d
			}
			if req.Name == nil && req.Expires == nil {
				return flows.Send{Result: note{"Nothing to save: the name and expiration are unchanged."}}, nil
			}
			return flows.Send{Label: "Saving “" + model.Sanitize(name) + "”", Call: func(ctx context.Context) (any, error) {
				key, err := c.EditKey(ctx, k.ID, req)
				return edited{key}, err
			}}, nil
		},
	}))
}

func (p *Page) openDelete(from any, k model.Key) tea.Cmd {
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	ctx := p.ctx
	now, st, c := ctx.Now(), ctx.Styles, ctx.Client
	v := &values{}
	name := model.Sanitize(k.Name)
	intro := []string{st.Subtle.Render(k.Type.Label() + " key " + model.Sanitize(k.Hint) + ", created by " + model.Sanitize(k.CreatedByName))}
	desc := "It stops working at once and leaves the list. This can't be undone."
	if w := expiry.UsedRecently(k, now, ctx.Policy); w != "" {
		intro = append(intro, st.Warn.Render(w))
	}
	target := k
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "Delete API key", Intro: intro, Row: flows.KeyRow(p.ctx.Client, &target),
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(
				huh.NewConfirm().Title("Delete " + k.Named() + "?").Description(desc).
					Affirmative("Delete").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			if !v.confirm {
				return flows.Send{Result: note{"Kept “" + name + "”."}}, nil
			}
			k := target
			return flows.Send{Label: "Deleting “" + name + "”", Call: func(ctx context.Context) (any, error) {
				_, err := c.DeleteKey(ctx, k.ID, k.Version)
				return deleted{k}, err
			}}, nil
		},
	}))
}
