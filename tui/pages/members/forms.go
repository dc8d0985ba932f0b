package members

import (
	"context"
	"slices"
	"strings"

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
	addForm formKind = iota + 1
	typeForm
	toggleForm
)

type values struct {
	name, email, sshKey string
	typ                 model.AccountType
	confirm             bool
}

// changed is the result of any call that changes a member.
type changed struct {
	member model.Member
	what   string // the status line's message on success
}

// change is the model's description of a change the signed-in member would make
// to m, with the facts the rules need taken from the list on screen. The page
// offers only what its Check allows; the backend checks again.
func (p *Page) change(act model.MemberAction, m model.Member) model.MemberChange {
	owners := 0
	for _, o := range p.members {
		if o.AccountType == model.PrimaryOwner && o.Active() {
			owners++
		}
	}
	// No Source: it matters only to removing SSH keys, which this page doesn't offer.
	return model.MemberChange{Action: act, Actor: p.ctx.Me, Target: m, To: m.AccountType, ActiveOwners: owners}
}

// typeChoices lists the account types the signed-in member may give m (the type
// of a new member for MemberAdd), and when there is nothing to choose, why.
func (p *Page) typeChoices(act model.MemberAction, m model.Member) ([]model.AccountType, error) {
	c := p.change(act, m)
	types := model.AccountTypesFor(c)
	if slices.ContainsFunc(types, func(t model.AccountType) bool { return t != m.AccountType }) {
		return types, nil
	}
	// Any other type says why: the refusal is about the actor or the target.
	for _, t := range model.AccountTypes {
		if t != m.AccountType {
			c.To = t
			break
		}
	}
	return nil, c.Check()
}

func options(types []model.AccountType) []huh.Option[model.AccountType] {
	opts := make([]huh.Option[model.AccountType], 0, len(types))
	for _, t := range types {
		opts = append(opts, huh.NewOption(t.Label(), t))
	}
	return opts
}

func (p *Page) openForm(kind formKind, target model.Member, f *form.Form) tea.Cmd {
	p.kind, p.target, p.form = kind, target, f
	p.back = p.mode
	p.mode = formMode
	f.SetSize(p.w, p.h)
	return f.Init()
}

func (p *Page) closeForm() {
	p.form = nil
	if p.mode == formMode {
		p.mode = p.back
	}
}

func (p *Page) updateForm(msg tea.Msg) tea.Cmd {
	cmd := p.form.Update(msg)
	switch p.form.State() {
	case form.Submitted:
		return tea.Batch(cmd, p.submit())
	case form.Cancelled:
		p.closeForm()
	}
	return cmd
}

func (p *Page) openAdd() tea.Cmd {
	types, err := p.typeChoices(model.MemberAdd, model.Member{})
	if err != nil {
		return app.Fail(err)
	}
	p.vals = values{typ: model.Builder}
	if !slices.Contains(types, model.Builder) {
		p.vals.typ = types[len(types)-1]
	}
	v := &p.vals
	st := p.ctx.Styles
	intro := []string{st.Subtle.Render("They sign in over SSH with the key you paste here.")}
	return p.openForm(addForm, model.Member{}, form.New(p.ctx, "Add member", intro, func() *huh.Form {
		name := form.NewChecked(st, "Name", "Their full name.", &v.name, func(s string) (string, error) {
			_, err := model.ValidateMemberName(s)
			return "", err
		})
		email := form.NewChecked(st, "Email", "Unique in the workspace.", &v.email, func(s string) (string, error) {
			_, err := model.NormalizeEmail(s)
			return "", err
		})
		ssh := form.NewChecked(st, "SSH public key", "Optional: one authorized_keys line, e.g. “ssh-ed25519 AAAA… ana@laptop”.", &v.sshKey, checkSSHKey)
		ssh.Input.CharLimit(8192)
		opts := options(types)
		return huh.NewForm(huh.NewGroup(name.Input, email.Input,
			form.Fit(huh.NewSelect[model.AccountType]().Title("Account type").Options(opts...).Value(&v.typ), len(opts), form.Room(p.h, intro)),
			ssh.Input))
	}))
}

func checkSSHKey(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	k, err := model.ParseSSHKey(s)
	if err != nil {
		return "", err
	}
	return k.Fingerprint, nil
}

func (p *Page) openSetType(m model.Member) tea.Cmd {
	types, err := p.typeChoices(model.MemberSetType, m)
	if err != nil {
		return app.Fail(err)
	}
	p.vals = values{typ: m.AccountType}
	v := &p.vals
	title := "Account type of “" + model.Sanitize(m.Name) + "”"
	intro := []string{p.ctx.Styles.Subtle.Render("Now " + m.AccountType.Label() + ". It applies at once, in open sessions too.")}
	name := model.Sanitize(m.Name)
	return p.openForm(typeForm, m, form.New(p.ctx, title, intro, func() *huh.Form {
		// A change of account type grants or takes away rights at once — making
		// someone a Primary Owner can't be undone by anyone else — so it is
		// confirmed, defaulting to Cancel.
		confirm := huh.NewConfirm().Affirmative("Change").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
		// The title follows the choice through form.Watch, on the update
		// goroutine: huh's TitleFunc would run in a command, racing the select.
		retitle := func() {
			if v.typ == m.AccountType {
				confirm.Title("Keep “" + name + "” a " + m.AccountType.Label() + "?")
				return
			}
			confirm.Title("Make “" + name + "” a " + v.typ.Label() + "?")
		}
		retitle()
		return huh.NewForm(huh.NewGroup(
			huh.NewSelect[model.AccountType]().Title("Account type").Options(options(types)...).Accessor(form.Watch(&v.typ, retitle)),
			confirm))
	}))
}

func (p *Page) openToggle(m model.Member) tea.Cmd {
	if err := p.change(toggle(m), m).Check(); err != nil {
		return app.Fail(err)
	}
	p.vals = values{}
	v := &p.vals
	name := model.Sanitize(m.Name)
	title, desc, yes := "Deactivate member", "They can no longer sign in, and their open sessions end. You can reactivate them later.", "Deactivate"
	if !m.Active() {
		title, desc, yes = "Reactivate member", "They can sign in again with their SSH keys.", "Reactivate"
	}
	return p.openForm(toggleForm, m, form.New(p.ctx, title, nil, func() *huh.Form {
		return huh.NewForm(huh.NewGroup(huh.NewConfirm().Title(yes + " “" + name + "”?").Description(desc).
			Affirmative(yes).Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)))
	}))
}

// toggle is what the deactivate/reactivate key does to m.
func toggle(m model.Member) model.MemberAction {
	if m.Active() {
		return model.MemberDeactivate
	}
	return model.MemberReactivate
}

func (p *Page) submit() tea.Cmd {
	c, v, m := p.ctx.Client, p.vals, p.target
	name := model.Sanitize(m.Name)
	var label string
	var call func(ctx context.Context) (changed, error)
	switch p.kind {
	case addForm:
		req := client.AddMemberRequest{Name: strings.TrimSpace(v.name), Email: strings.TrimSpace(v.email), AccountType: v.typ}
		if k := strings.TrimSpace(v.sshKey); k != "" {
			req.SSHKeys = []string{k}
		}
		label = "Adding “" + model.Sanitize(req.Name) + "”"
		call = func(ctx context.Context) (changed, error) {
			nm, err := c.AddMember(ctx, req)
			return changed{nm, "Added “" + model.Sanitize(nm.Name) + "” as " + nm.AccountType.Label() + "."}, err
		}
	case typeForm:
		if !v.confirm {
			p.closeForm()
			return app.Info("Nothing changed: “" + name + "” stays " + m.AccountType.Label() + ".")
		}
		if v.typ == m.AccountType {
			p.closeForm()
			return app.Info("Nothing changed: “" + name + "” stays " + m.AccountType.Label() + ".")
		}
		label = "Changing the account type of “" + name + "”"
		call = func(ctx context.Context) (changed, error) {
			nm, err := c.SetAccountType(ctx, m.ID, v.typ, m.Version)
			return changed{nm, "“" + name + "” is now " + nm.AccountType.Label() + "."}, err
		}
	case toggleForm:
		if !v.confirm {
			p.closeForm()
			return nil
		}
		if m.Active() {
			label = "Deactivating “" + name + "”"
			call = func(ctx context.Context) (changed, error) {
				nm, err := c.Deactivate(ctx, m.ID, m.Version)
				return changed{nm, "Deactivated “" + name + "”."}, err
			}
		} else {
			label = "Reactivating “" + name + "”"
			call = func(ctx context.Context) (changed, error) {
				nm, err := c.Reactivate(ctx, m.ID, m.Version)
				return changed{nm, "Reactivated “" + name + "”."}, err
			}
		}
	default:
		return nil
	}
	p.form.Sending()
	return p.ctx.Call(label, func(ctx context.Context) (tea.Msg, error) { return call(ctx) })
}
