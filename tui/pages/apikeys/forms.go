package apikeys

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
)

type formKind int

const (
	createForm formKind = iota + 1
	editForm
	deleteForm
	rotateForm
)

// Expiration choices: presets are relative forms ExpiryPolicy.Parse reads.
// keepExpiry is the form's own default: the date unchanged (edit), or the old
// key's lifetime again (rotate, where the backend works it out per key).
const (
	keepExpiry   = "keep"
	customExpiry = "custom"
)

var presets = []struct{ in, label string }{
	{"+7d", "7 days"}, {"+30d", "30 days"}, {"+60d", "60 days"}, {"+90d", "90 days"}, {"+1y", "1 year"},
}

// values are what the open form is bound to. They outlive a rebuilt form, which
// is how a refused submission keeps what was typed.
type values struct {
	name    string
	typ     model.KeyType
	expiry  string // a preset, keepExpiry or customExpiry
	custom  string // the custom date as typed
	grace   time.Duration
	confirm bool
}

// Messages of the calls the forms make, delivered inside app.Done.
type (
	created struct {
		key    model.Key
		secret model.Secret
	}
	edited  struct{ key model.Key }
	deleted struct{} // the page removes the key it asked about
)

func checkName(s string) (string, error) {
	_, err := model.ValidateName(s)
	return "", err
}

// checkDate reads a custom expiration date and says what it means.
func checkDate(p model.ExpiryPolicy, now time.Time) func(string) (string, error) {
	return func(s string) (string, error) {
		d, err := p.Parse(s, now)
		if err != nil {
			return "", err
		}
		return "valid through " + d.AddDays(-1).Human() + ", stops at the start of " + d.Human(), nil
	}
}

// expiryOptions are the presets with the last valid day each gives, so the admin
// sees "valid through …" while choosing. Presets beyond the workspace's maximum
// lifetime are left out.
func expiryOptions(p model.ExpiryPolicy, now time.Time, keep string) []huh.Option[string] {
	var opts []huh.Option[string]
	if keep != "" {
		opts = append(opts, huh.NewOption(keep, keepExpiry))
	}
	for _, ps := range presets {
		d, err := p.Parse(ps.in, now)
		if err != nil {
			continue
		}
		opts = append(opts, huh.NewOption(fmt.Sprintf("%-8s valid through %s", ps.label, d.AddDays(-1).Human()), ps.in))
	}
	return append(opts, huh.NewOption("Custom date…", customExpiry))
}

// expiryFields are the Expiration select and, on a page of its own, the custom
// date shown only when "Custom date…" is picked. keep labels the form's default
// option ("" for none); changed, when set, runs after every change of either.
func (p *Page) expiryFields(v *values, title, keep string, room int, changed func()) (huh.Field, *huh.Group) {
	now, pol := p.ctx.Now(), p.ctx.Policy
	opts := expiryOptions(pol, now, keep)
	sel := form.Fit(huh.NewSelect[string]().Title(title).Options(opts...).Accessor(form.Watch(&v.expiry, changed)), len(opts), room)
	custom := form.NewChecked(p.ctx.Styles, "Expiration date",
		"YYYY-MM-DD, or +30d, +4w, +3m, +1y. The key works until the start of that day.",
		&v.custom, checkDate(pol, now))
	custom.OnChange = changed
	custom.Input.Placeholder("YYYY-MM-DD or +30d")
	group := huh.NewGroup(custom.Input).WithHideFunc(func() bool { return v.expiry != customExpiry })
	return sel, group
}

// expiryDate is the date the form's choice names.
func (p *Page) expiryDate(v *values) (model.Date, error) {
	in := v.expiry
	if in == customExpiry {
		in = v.custom
	}
	return p.ctx.Policy.Parse(in, p.ctx.Now())
}

func (p *Page) openCreate() tea.Cmd {
	types := model.ManageableKeyTypes(p.ctx.Me.AccountType)
	if len(types) == 0 {
		return app.Fail(model.Require(p.ctx.Me.AccountType, model.ActManageKeys, model.KeyImport))
	}
	p.vals = values{typ: types[0], expiry: "+30d"}
	v := &p.vals
	var opts []huh.Option[model.KeyType]
	for _, t := range types {
		opts = append(opts, huh.NewOption(t.Label(), t))
	}
	var intro []string
	if p.h >= 20 { // on a short terminal the secret panel says it anyway
		intro = []string{p.ctx.Styles.Subtle.Render("The secret is shown once, right after the key is created.")}
	}
	room := form.Room(p.h, intro)
	p.openForm(createForm, model.Key{}, form.New(p.ctx, "New API key", intro, func() *huh.Form {
		name := form.NewChecked(p.ctx.Styles, "Name", fmt.Sprintf("What uses it, e.g. “Nightly export to S3”. 1–%d characters.", model.MaxNameLength), &v.name, checkName)
		name.Input.CharLimit(model.MaxNameLength + 16)
		exp, custom := p.expiryFields(v, "Expiration", "", room, nil)
		return huh.NewForm(
			huh.NewGroup(name.Input,
				form.Fit(huh.NewSelect[model.KeyType]().Title("Key type").Options(opts...).Value(&v.typ), len(opts), room),
				exp),
			custom)
	}))
	return p.form.Init()
}

func (p *Page) openEdit(k model.Key) tea.Cmd {
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	now, pol := p.ctx.Now(), p.ctx.Policy
	// A stored name with control characters (bad data from before validation) is
	// offered in its escaped form: the text field must not send it to the
	// terminal raw, and saving it stores the readable, safe text instead.
	p.vals = values{name: model.Sanitize(k.Name), expiry: keepExpiry}
	v := &p.vals
	st := p.ctx.Styles
	intro := []string{st.Label.Render("Key type  ") + st.Value.Render(k.Type.Label()) + st.Subtle.Render(" (a key's type never changes)")}
	expired := k.State(now) == model.KeyExpired
	if expired {
		intro = append(intro, st.Warn.Render("⚠ Expired "+pol.ValidThrough(k.ExpiresAt).AddDays(1).Human()+": an expired key can't be extended."),
			st.Subtle.Render("Rotate it (r) to issue a new secret with a new date."))
	}
	title := "Edit “" + model.Sanitize(k.Name) + "”"
	p.openForm(editForm, k, form.New(p.ctx, title, intro, func() *huh.Form {
		name := form.NewChecked(st, "Name", fmt.Sprintf("1–%d characters.", model.MaxNameLength), &v.name, checkName)
		name.Input.CharLimit(model.MaxNameLength + 16)
		if expired {
			return huh.NewForm(huh.NewGroup(name.Input))
		}
		exp, custom := p.expiryFields(v, "Expiration", "Keep: valid through "+pol.ValidThrough(k.ExpiresAt).Human(), form.Room(p.h, intro), nil)
		return huh.NewForm(huh.NewGroup(name.Input, exp), custom)
	}))
	return p.form.Init()
}

func (p *Page) openDelete(k model.Key) tea.Cmd {
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return app.Fail(err)
	}
	now := p.ctx.Now()
	p.vals = values{}
	v := &p.vals
	st := p.ctx.Styles
	name := model.Sanitize(k.Name)
	intro := []string{st.Subtle.Render(k.Type.Label() + " key " + model.Sanitize(k.Hint) + ", created by " + model.Sanitize(k.CreatedByName))}
	desc := "It stops working at once and leaves the list. This can't be undone."
	if k.UsedRecently(now) {
		intro = append(intro, st.Warn.Render("⚠ Used "+model.Ago(k.LastUsedAt, now, p.ctx.Policy.Loc())+": whatever uses it will start failing."))
	}
	p.openForm(deleteForm, k, form.New(p.ctx, "Delete API key", intro, func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewConfirm().Title("Delete “" + name + "”?").Description(desc).
				Affirmative("Delete").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)))
	}))
	return p.form.Init()
}

// submit sends the completed form to the backend.
func (p *Page) submit() tea.Cmd {
	c, v, k := p.ctx.Client, p.vals, p.target
	switch p.kind {
	case createForm:
		name, err := model.ValidateName(v.name)
		if err != nil {
			return p.refuse(err)
		}
		d, err := p.expiryDate(&v)
		if err != nil {
			return p.refuse(err)
		}
		req := client.CreateKeyRequest{Name: name, Type: v.typ, Expires: d}
		p.form.Sending()
		return p.ctx.Call("Creating “"+model.Sanitize(name)+"”", func(ctx context.Context) (tea.Msg, error) {
			key, secret, err := c.CreateKey(ctx, req)
			return created{key, secret}, err
		})
	case editForm:
		name, err := model.ValidateName(v.name)
		if err != nil {
			return p.refuse(err)
		}
		req := client.EditKeyRequest{Version: k.Version}
		if name != k.Name {
			req.Name = &name
		}
		if v.expiry != keepExpiry && k.State(p.ctx.Now()) != model.KeyExpired {
			d, err := p.expiryDate(&v)
			if err != nil {
				return p.refuse(err)
			}
			req.Expires = &d
		}
		if req.Name == nil && req.Expires == nil {
			p.closeForm()
			return app.Info("Nothing to save: the name and expiration are unchanged.")
		}
		p.form.Sending()
		return p.ctx.Call("Saving “"+model.Sanitize(name)+"”", func(ctx context.Context) (tea.Msg, error) {
			key, err := c.EditKey(ctx, k.ID, req)
			return edited{key}, err
		})
	case deleteForm:
		if !v.confirm {
			p.closeForm()
			return app.Info("Kept “" + model.Sanitize(k.Name) + "”.")
		}
		p.form.Sending()
		return p.ctx.Call("Deleting “"+model.Sanitize(k.Name)+"”", func(ctx context.Context) (tea.Msg, error) {
			_, err := c.DeleteKey(ctx, k.ID, k.Version)
			return deleted{}, err
		})
	case rotateForm:
		if !v.confirm {
			p.closeForm()
			if p.rotBulk {
				return app.Info("Nothing rotated; the keys stay marked.")
			}
			return app.Info("Kept “" + model.Sanitize(k.Name) + "” as it is.")
		}
		var exp *model.Date
		if v.expiry != keepExpiry {
			d, err := p.expiryDate(&v)
			if err != nil {
				return p.refuse(err)
			}
			exp = &d
		}
		return p.startRotation(v.grace, exp)
	}
	return nil
}

// refuse reopens the form with what was typed and says what is wrong.
func (p *Page) refuse(err error) tea.Cmd {
	return tea.Batch(p.form.Rebuild(), app.Fail(err))
}
