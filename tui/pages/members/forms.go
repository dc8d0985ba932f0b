package members

import (
	"context"
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

// grantable lists the account types the signed-in member may hand out: only a
// primary owner makes another.
func (p *Page) grantable() []huh.Option[model.AccountType] {
	var opts []huh.Option[model.AccountType]
	for _, t := range model.AccountTypes {
		if t == model.PrimaryOwner && p.ctx.Me.AccountType != model.PrimaryOwner {
			continue
		}
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
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageMembers, ""); err != nil {
		return app.Fail(err)
	}
	p.vals = values{typ: model.Builder}
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
		opts := p.grantable()
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
	if err := p.refusal(m); err != nil {
		return app.Fail(err)
	}
	if m.AccountType == model.PrimaryOwner && p.ctx.Me.AccountType != model.PrimaryOwner {
		return app.Fail(model.Forbidden("Only a Primary Owner can make or unmake a Primary Owner."))
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
			huh.NewSelect[model.AccountType]().Title("Account type").Options(p.grantable()...).Accessor(form.Watch(&v.typ, retitle)),
			confirm))
	}))
}

func (p *Page) openToggle(m model.Member) tea.Cmd {
	if err := p.refusal(m); err != nil {
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

// refusal says why the member may not act on m, nil when they may.
func (p *Page) refusal(m model.Member) error {
	if err := model.Require(p.ctx.Me.AccountType, model.ActManageMembers, ""); err != nil {
		return err
	}
	if m.ID == p.ctx.Me.ID {
		return model.Forbidden("You can't change your own account.")
	}
	return nil
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
