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
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

type values struct {
	name, email, sshKey string
	typed               string // the typed confirmation of a Primary Owner
	typ                 model.AccountType
	confirm             bool
}

// changed is the result of any call that changes a member.
type changed struct {
	member model.Member
	what   string // the status line's message on success
}

// note is a form that changed nothing; the status line says so.
type note struct{ text string }

// change is the model's description of a change the signed-in member would make
// to m, with the facts the rules need taken from the list on screen. The page
// offers only what its Check allows; the backend checks again.
func (p *Page) change(act model.MemberAction, m model.Member) model.MemberChange {
	owners := 0
	for _, o := range p.members.Items {
		if o.AccountType == model.PrimaryOwner && o.Active() {
			owners++
		}
	}
	// No Source: over SSH the backend keeps the last key of the last owner, and says so.
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

// row is m as the change feed names it: a form about m reads it again when it
// changes elsewhere (its version, for the next submit).
func (p *Page) row(m *model.Member) *flows.Row {
	c, id := p.ctx.Client, m.ID
	return &flows.Row{Kind: client.NoticeMember, ID: id, Name: model.Sanitize(m.Name),
		Get:   func(ctx context.Context) (any, error) { return memberByID(ctx, c, id) },
		Gone:  func(any) string { return "" },
		Adopt: func(row any) { *m = row.(model.Member) }}
}

func (p *Page) openAdd() tea.Cmd {
	types, err := p.typeChoices(model.MemberAdd, model.Member{})
	if err != nil {
		return app.Fail(err)
	}
	v := &values{typ: model.Builder}
	if !slices.Contains(types, model.Builder) {
		v.typ = types[len(types)-1]
	}
	ctx, c := p.ctx, p.ctx.Client
	st := ctx.Styles
	intro := []string{st.Subtle.Render("They sign in over SSH with the key you paste here.")}
	room := form.Room(p.members.H, intro)
	return app.Push(p, flows.NewForm(ctx, flows.Spec{
		Title: "Add member", Intro: intro, Values: v,
		Build: func(f *flows.Form) *huh.Form {
			name := f.Checked("name", "Name", "Their full name.", &v.name, (func(s string) (string, error) {
				_, err := model.ValidateMemberName(s)
				return "", err
			}))
			email := f.Checked("email", "Email", "Unique in the workspace.", &v.email, (func(s string) (string, error) {
				_, err := model.NormalizeEmail(s)
				return "", err
			}))
			ssh := f.Checked("sshKey", "SSH public key", "Optional: one authorized_keys line, e.g. “ssh-ed25519 AAAA… ana@laptop”.", &v.sshKey, checkSSHKey)
			ssh.Input.CharLimit(8192)
			opts := options(types)
			return huh.NewForm(huh.NewGroup(name.Input, email.Input,
				form.Fit(huh.NewSelect[model.AccountType]().Title("Account type").Options(opts...).Value(&v.typ), len(opts), room),
				ssh.Input))
		},
		Submit: func() (flows.Send, error) {
			req := client.AddMemberRequest{Name: strings.TrimSpace(v.name), Email: strings.TrimSpace(v.email), AccountType: v.typ}
			if k := strings.TrimSpace(v.sshKey); k != "" {
				req.SSHKeys = []string{k}
			}
			return flows.Send{Label: "Adding “" + model.Sanitize(req.Name) + "”", Call: func(ctx context.Context) (any, error) {
				nm, err := c.AddMember(ctx, req)
				return changed{nm, "Added “" + model.Sanitize(nm.Name) + "” as " + nm.AccountType.WithArticle() + "."}, err
			}}, nil
		},
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

func (p *Page) openSetType(from any, m model.Member) tea.Cmd {
	types, err := p.typeChoices(model.MemberSetType, m)
	if err != nil {
		return app.Fail(err)
	}
	v := &values{typ: m.AccountType}
	ctx, c := p.ctx, p.ctx.Client
	title := "Account type of “" + model.Sanitize(m.Name) + "”"
	intro := []string{ctx.Styles.Subtle.Render("Now " + m.AccountType.WithArticle() + ". It applies at once, in open sessions too.")}
	name := model.Sanitize(m.Name)
	target := m
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: title, Intro: intro, Values: v, Row: p.row(&target),
		Build: func(f *flows.Form) *huh.Form {
			// A change of account type grants or takes away rights at once — making
			// someone a Primary Owner can't be undone by anyone else — so it is
			// confirmed, defaulting to Cancel.
			confirm := huh.NewConfirm().Affirmative("Change").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
			// The title follows the choice through form.Watch, on the update
			// goroutine: huh's TitleFunc would run in a command, racing the select.
			retitle := func() {
				if v.typ == m.AccountType {
					confirm.Title("Keep “" + name + "” " + m.AccountType.WithArticle() + "?")
					return
				}
				confirm.Title("Make “" + name + "” " + v.typ.WithArticle() + "?")
			}
			retitle()
			// Nobody else can undo a Primary Owner: y/N is not enough, the
			// admin types who it is (or what).
			typed := f.Checked("typed", "Type "+model.Quote(m.Email)+" or “primary owner” to confirm",
				"They get every right, and only another Primary Owner can take it back.", &v.typed, ownerConfirmed(m))
			return huh.NewForm(huh.NewGroup(
				huh.NewSelect[model.AccountType]().Title("Account type").Options(options(types)...).Accessor(form.Watch(&v.typ, retitle)),
				confirm),
				huh.NewGroup(typed.Input).WithHideFunc(func() bool { return v.typ != model.PrimaryOwner || !v.confirm }))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			m := target
			if !v.confirm || v.typ == m.AccountType {
				return flows.Send{Result: note{"Nothing changed: “" + name + "” stays " + m.AccountType.WithArticle() + "."}}, nil
			}
			if v.typ == model.PrimaryOwner {
				if _, err := ownerConfirmed(m)(v.typed); err != nil {
					return flows.Send{}, err
				}
			}
			typ := v.typ
			return flows.Send{Label: "Changing the account type of “" + name + "”", Call: func(ctx context.Context) (any, error) {
				nm, err := c.SetAccountType(ctx, m.ID, typ, m.Version)
				return changed{nm, "“" + name + "” is now " + nm.AccountType.WithArticle() + "."}, err
			}}, nil
		},
	}))
}

func (p *Page) openToggle(from any, m model.Member) tea.Cmd {
	if err := p.change(toggle(m), m).Check(); err != nil {
		return app.Fail(err)
	}
	if h, ok := p.ctx.Hygiene(); ok && m.Active() {
		return p.lookUpOwned(from, m, h) // their keys first (deactivate.go)
	}
	return p.openToggleConfirm(from, m)
}

// openToggleConfirm asks to deactivate (a member owning no keys) or reactivate m.
func (p *Page) openToggleConfirm(from any, m model.Member) tea.Cmd {
	v := &values{}
	ctx, c := p.ctx, p.ctx.Client
	name := model.Sanitize(m.Name)
	title, desc, yes := "Deactivate member", "They can no longer sign in, and their open sessions end. You can reactivate them later.", "Deactivate"
	if !m.Active() {
		title, desc, yes = "Reactivate member", "They can sign in again with their SSH keys.", "Reactivate"
	}
	target := m
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: title, Row: p.row(&target),
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewConfirm().Title(yes + " “" + name + "”?").Description(desc).
				Affirmative(yes).Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			m := target
			if !v.confirm {
				return flows.Send{Result: note{}}, nil
			}
			if m.Active() {
				return flows.Send{Label: "Deactivating “" + name + "”", Call: func(ctx context.Context) (any, error) {
					nm, err := c.Deactivate(ctx, m.ID, m.Version)
					return changed{nm, "Deactivated “" + name + "”."}, err
				}}, nil
			}
			return flows.Send{Label: "Reactivating “" + name + "”", Call: func(ctx context.Context) (any, error) {
				nm, err := c.Reactivate(ctx, m.ID, m.Version)
				return changed{nm, "Reactivated “" + name + "”."}, err
			}}, nil
		},
	}))
}

// ownerConfirmed checks the typed confirmation of making m a Primary Owner:
// m's email, or the words "primary owner".
func ownerConfirmed(m model.Member) func(string) (string, error) {
	return func(s string) (string, error) {
		s = strings.TrimSpace(s)
		if strings.EqualFold(s, m.Email) || strings.EqualFold(strings.Join(strings.Fields(s), " "), "primary owner") {
			return "confirmed", nil
		}
		return "", model.Invalid("typed", "That isn't %s or “primary owner”.", model.Quote(m.Email))
	}
}

// toggle is what the deactivate/reactivate key does to m.
func toggle(m model.Member) model.MemberAction {
	if m.Active() {
		return model.MemberDeactivate
	}
	return model.MemberReactivate
}

// canSSH reports whether the member may add (or remove) an SSH key of m: their
// own always, another's under the no-escalation rule (model.MemberChange).
func (p *Page) canSSH(act model.MemberAction, m model.Member) bool {
	c := p.change(act, m)
	if act == model.MemberRemoveSSHKey && len(m.SSHKeys) > 0 {
		c.Fingerprint = m.SSHKeys[0].Fingerprint
	}
	return c.Check() == nil
}

// openAddSSHKey asks for one authorized_keys line, checked as it is typed
// (its fingerprint shown once it reads as a key).
func (p *Page) openAddSSHKey(from any, m model.Member) tea.Cmd {
	if err := p.change(model.MemberAddSSHKey, m).Check(); err != nil {
		return app.Fail(err)
	}
	v := &values{}
	ctx, c := p.ctx, p.ctx.Client
	name, id := model.Sanitize(m.Name), m.ID
	who := "They sign in"
	if m.ID == ctx.Me.ID {
		who = "You sign in"
	}
	intro := []string{ctx.Styles.Subtle.Render(who + " over SSH with any of their keys; this one works at once.")}
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "Add an SSH key for “" + name + "”", Intro: intro, Values: v,
		Build: func(f *flows.Form) *huh.Form {
			ssh := f.Checked("sshKey", "SSH public key", "One authorized_keys line, e.g. “ssh-ed25519 AAAA… ana@laptop” (cat ~/.ssh/id_ed25519.pub).", &v.sshKey, func(s string) (string, error) {
				if strings.TrimSpace(s) == "" {
					return "", model.Invalid("sshKey", "Paste the public key: one line such as “ssh-ed25519 AAAA… you@host”.")
				}
				return checkSSHKey(s)
			})
			ssh.Input.CharLimit(8192)
			return huh.NewForm(huh.NewGroup(ssh.Input))
		},
		Submit: func() (flows.Send, error) {
			k, err := model.ParseSSHKey(v.sshKey)
			if err != nil {
				return flows.Send{}, err
			}
			line := strings.TrimSpace(v.sshKey)
			return flows.Send{Label: "Adding the SSH key", Call: func(ctx context.Context) (any, error) {
				nm, err := c.AddSSHKey(ctx, id, line)
				return changed{nm, "Added SSH key " + k.Fingerprint + " for “" + name + "”."}, err
			}}, nil
		},
	}))
}

// openRemoveSSHKey picks one of m's keys by fingerprint and confirms its
// removal, defaulting to Cancel: sessions signed in with it end.
func (p *Page) openRemoveSSHKey(from any, m model.Member) tea.Cmd {
	if len(m.SSHKeys) == 0 {
		return app.Info("“" + model.Sanitize(m.Name) + "” has no SSH keys.")
	}
	v := &values{sshKey: m.SSHKeys[0].Fingerprint}
	ctx, c := p.ctx, p.ctx.Client
	name, id := model.Sanitize(m.Name), m.ID
	opts := make([]huh.Option[string], 0, len(m.SSHKeys))
	for _, k := range m.SSHKeys {
		label := k.Fingerprint
		if k.Comment != "" {
			label += "  " + model.Sanitize(k.Comment)
		}
		opts = append(opts, huh.NewOption(label, k.Fingerprint))
	}
	room := form.Room(p.members.H, nil)
	return app.Push(from, flows.NewForm(ctx, flows.Spec{
		Title: "Remove an SSH key of “" + name + "”", Values: v,
		Build: func(f *flows.Form) *huh.Form {
			confirm := huh.NewConfirm().Title("Remove this key?").
				Description("Sessions signed in with it end, and it can't sign in again.").
				Affirmative("Remove").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
			return huh.NewForm(huh.NewGroup(
				form.Fit(huh.NewSelect[string]().Title("SSH key").Options(opts...).Value(&v.sshKey), len(opts), room),
				confirm))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			if !v.confirm {
				return flows.Send{Result: note{"Nothing changed: the SSH key stays."}}, nil
			}
			fp := v.sshKey
			chg := p.change(model.MemberRemoveSSHKey, m)
			chg.Fingerprint = fp
			if err := chg.Check(); err != nil {
				return flows.Send{}, err
			}
			return flows.Send{Label: "Removing the SSH key", Call: func(ctx context.Context) (any, error) {
				nm, err := c.RemoveSSHKey(ctx, id, fp)
				return changed{nm, "Removed SSH key " + fp + " of “" + name + "”."}, err
			}}, nil
		},
	}))
}
