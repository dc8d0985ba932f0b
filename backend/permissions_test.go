package backend_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// The permission table, written out by hand rather than read from the model: for
// each row, which of primary-owner, security-admin, workspace-admin, builder,
// member may do it.
var specTable = []struct {
	row     string
	allowed [5]bool // PO, SA, WA, builder, member
}{
	{"view keys", [5]bool{true, true, true, false, false}},
	{"manage audit-logs keys", [5]bool{true, true, false, false, false}},
	{"manage import keys", [5]bool{true, false, true, false, false}},
	{"manage export keys", [5]bool{true, false, true, false, false}},
	{"manage modeling-metadata keys", [5]bool{true, false, true, false, false}},
	{"see members", [5]bool{true, true, true, false, false}},
	{"manage members", [5]bool{true, false, true, false, false}},
	{"read audit log", [5]bool{true, true, false, false, false}},
}

var columns = [5]model.AccountType{model.PrimaryOwner, model.SecurityAdmin, model.WorkspaceAdmin, model.Builder, model.RegularMember}

// operation performs one backend call of a row as the member of account type at;
// each runs on a fresh workspace so one cell can't affect another.
type operation func(e *env, at model.AccountType) error

func keyOps(kt model.KeyType) map[string]operation {
	return map[string]operation{
		"create": func(e *env, at model.AccountType) error {
			_, _, err := e.as(at).CreateKey(e.ctx, backend.CreateKeyRequest{Name: "k", Type: kt, Expires: e.days(10)})
			return err
		},
		"edit": func(e *env, at model.AccountType) error {
			k, _ := e.createKey("k", kt)
			_, err := e.as(at).EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: k.Version, Name: ptr("renamed")})
			return err
		},
		"delete": func(e *env, at model.AccountType) error {
			k, _ := e.createKey("k", kt)
			_, err := e.as(at).DeleteKey(e.ctx, k.ID, k.Version)
			return err
		},
		"rotate": func(e *env, at model.AccountType) error {
			k, _ := e.createKey("k", kt)
			_, err := e.as(at).RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: time.Hour})
			return err
		},
	}
}

func rowOps(row string) map[string]operation {
	switch row {
	case "view keys":
		return map[string]operation{
			"list": func(e *env, at model.AccountType) error {
				_, err := e.as(at).ListKeys(e.ctx, backend.KeyFilter{})
				return err
			},
			"get": func(e *env, at model.AccountType) error {
				k, _ := e.createKey("k", model.KeyImport)
				_, err := e.as(at).GetKey(e.ctx, k.ID)
				return err
			},
		}
	case "manage audit-logs keys":
		return keyOps(model.KeyAuditLogs)
	case "manage import keys":
		return keyOps(model.KeyImport)
	case "manage export keys":
		return keyOps(model.KeyExport)
	case "manage modeling-metadata keys":
		return keyOps(model.KeyModelingMetadata)
	case "see members":
		return map[string]operation{
			"list": func(e *env, at model.AccountType) error { _, err := e.as(at).ListMembers(e.ctx); return err },
		}
	case "manage members":
		return map[string]operation{
			"add": func(e *env, at model.AccountType) error {
				_, err := e.as(at).AddMember(e.ctx, backend.AddMemberRequest{Name: "New", Email: "new@example.com", AccountType: model.Builder})
				return err
			},
			"set-type": func(e *env, at model.AccountType) error {
				target := e.addMember("target", model.RegularMember)
				_, err := e.as(at).SetAccountType(e.ctx, target.Email, model.Builder, 0)
				return err
			},
			"deactivate": func(e *env, at model.AccountType) error {
				target := e.addMember("target", model.RegularMember)
				_, err := e.as(at).Deactivate(e.ctx, target.ID, target.Version)
				return err
			},
			"reactivate": func(e *env, at model.AccountType) error {
				target := e.addMember("target", model.RegularMember)
				if _, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, target.ID, 0); err != nil {
					e.t.Fatal(err)
				}
				_, err := e.as(at).Reactivate(e.ctx, target.Email, 0)
				return err
			},
			"add-ssh-key": func(e *env, at model.AccountType) error {
				target := e.addMember("target", model.RegularMember)
				_, err := e.as(at).AddSSHKey(e.ctx, target.Email, testkit.NewSSHKey(e.t, "t@host").Line)
				return err
			},
			"remove-ssh-key": func(e *env, at model.AccountType) error {
				target := e.addMember("target", model.RegularMember)
				m, err := e.as(model.PrimaryOwner).AddSSHKey(e.ctx, target.Email, testkit.NewSSHKey(e.t, "t@host").Line)
				if err != nil {
					e.t.Fatal(err)
				}
				_, err = e.as(at).RemoveSSHKey(e.ctx, target.Email, m.SSHKeys[0].Fingerprint)
				return err
			},
		}
	case "read audit log":
		return map[string]operation{
			"list": func(e *env, at model.AccountType) error {
				_, err := e.as(at).ListEvents(e.ctx, backend.EventFilter{})
				return err
			},
		}
	}
	panic("no operations for row " + row)
}

// TestPermissionTable walks every cell of the permission table through the backend itself.
func TestPermissionTable(t *testing.T) {
	for _, r := range specTable {
		for op, do := range rowOps(r.row) {
			for i, at := range columns {
				t.Run(fmt.Sprintf("%s/%s/%s", r.row, op, at), func(t *testing.T) {
					e := newEnv(t, model.ExpiryPolicy{})
					err := do(e, at)
					if r.allowed[i] {
						if err != nil {
							t.Fatalf("%s should be allowed to %s (%s): %v", at, r.row, op, err)
						}
						return
					}
					wantKind(t, err, model.KindForbidden)
				})
			}
		}
	}
}

func TestRefusalNamesWhatIsNeeded(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	_, _, err := e.as(model.WorkspaceAdmin).CreateKey(e.ctx, backend.CreateKeyRequest{Name: "siem", Type: model.KeyAuditLogs, Expires: e.days(5)})
	if got, want := fmt.Sprint(err), "You need to be a Security Admin to manage Audit logs API keys."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	_, err = e.as(model.Builder).ListKeys(e.ctx, backend.KeyFilter{})
	if got, want := fmt.Sprint(err), "You need to be a Workspace Admin or Security Admin to manage API keys."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMemberRules(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.members[model.PrimaryOwner]
	wa := e.members[model.WorkspaceAdmin]
	cases := []struct {
		name string
		do   func() error
		want model.Kind
	}{
		{"nobody changes their own account type", func() error {
			_, err := e.as(model.WorkspaceAdmin).SetAccountType(e.ctx, wa.Email, model.RegularMember, 0)
			return err
		}, model.KindForbidden},
		{"only an owner makes an owner", func() error {
			_, err := e.as(model.WorkspaceAdmin).SetAccountType(e.ctx, e.members[model.Builder].Email, model.PrimaryOwner, 0)
			return err
		}, model.KindForbidden},
		{"only an owner adds an owner", func() error {
			_, err := e.as(model.WorkspaceAdmin).AddMember(e.ctx, backend.AddMemberRequest{Name: "P", Email: "p@example.com", AccountType: model.PrimaryOwner})
			return err
		}, model.KindForbidden},
		{"a workspace admin can't deactivate an owner", func() error {
			_, err := e.as(model.WorkspaceAdmin).Deactivate(e.ctx, owner.Email, 0)
			return err
		}, model.KindForbidden},
		{"a workspace admin can't give an owner a key", func() error {
			_, err := e.as(model.WorkspaceAdmin).AddSSHKey(e.ctx, owner.Email, testkit.NewSSHKey(t, "x").Line)
			return err
		}, model.KindForbidden},
		{"nobody deactivates themselves", func() error {
			_, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, owner.Email, 0)
			return err
		}, model.KindForbidden},
		{"email is unique case-insensitively", func() error {
			_, err := e.as(model.PrimaryOwner).AddMember(e.ctx, backend.AddMemberRequest{Name: "Dup", Email: "OLIVE@Example.com", AccountType: model.Builder})
			return err
		}, model.KindConflict},
		{"a bad SSH key is refused", func() error {
			_, err := e.as(model.PrimaryOwner).AddSSHKey(e.ctx, wa.Email, "ssh-ed25519 not-base64")
			return err
		}, model.KindInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantKind(t, c.do(), c.want) })
	}
}

// TestOwnersDemotingEachOther: two owners demote each other at the same moment;
// the workspace must still have an active primary owner afterwards.
func TestOwnersDemotingEachOther(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	a := e.members[model.PrimaryOwner]
	b := e.addMember("second", model.PrimaryOwner)
	sa := e.as(model.PrimaryOwner)
	sb, err := e.b.SessionFor(e.ctx, b.Email, model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { _, err := sa.SetAccountType(e.ctx, b.Email, model.SecurityAdmin, 0); errs <- err }()
	go func() { _, err := sb.SetAccountType(e.ctx, a.Email, model.SecurityAdmin, 0); errs <- err }()
	failed := 0
	for range 2 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d of 2 demotions failed, want exactly 1", failed)
	}
	ms, err := sa.ListMembers(e.ctx)
	if err != nil {
		ms, err = sb.ListMembers(e.ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	owners := 0
	for _, m := range ms {
		if m.AccountType == model.PrimaryOwner && m.Active() {
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("%d active owners after both demotions, want 1", owners)
	}
}

func TestDeactivatedMemberIsLockedOut(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	wa := e.members[model.WorkspaceAdmin]
	open := e.as(model.WorkspaceAdmin) // a session opened before the deactivation
	if _, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, wa.Email, wa.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.SessionFor(e.ctx, wa.Email, model.SourceCLI); model.KindOf(err) != model.KindUnauthenticated {
		t.Fatalf("new session for a deactivated member: %v", err)
	}
	if _, err := open.ListKeys(e.ctx, backend.KeyFilter{}); model.KindOf(err) != model.KindUnauthenticated {
		t.Fatalf("open session of a deactivated member still works: %v", err)
	}
	if _, err := e.as(model.PrimaryOwner).Reactivate(e.ctx, wa.Email, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := open.ListKeys(e.ctx, backend.KeyFilter{}); err != nil {
		t.Fatalf("reactivated member refused: %v", err)
	}
}

func TestDeactivatingTwiceIsSaid(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	b := e.members[model.Builder]
	owner := e.as(model.PrimaryOwner)
	if _, err := owner.Deactivate(e.ctx, b.Email, 0); err != nil {
		t.Fatal(err)
	}
	_, err := owner.Deactivate(e.ctx, b.Email, 0)
	wantKind(t, err, model.KindInvalid)
	if _, err := owner.Reactivate(e.ctx, b.Email, 0); err != nil {
		t.Fatal(err)
	}
	_, err = owner.Reactivate(e.ctx, b.Email, 0)
	wantKind(t, err, model.KindInvalid)
}

// specHoldsAll reads the rule "the actor's own account type holds every
// permission of the target's account type" off the table above.
func specHoldsAll(actor, target model.AccountType) bool {
	a, t := slices.Index(columns[:], actor), slices.Index(columns[:], target)
	for _, r := range specTable {
		if r.allowed[t] && !r.allowed[a] {
			return false
		}
	}
	return true
}

// specMayChange is the no-escalation rule for a change to another member; before is ""
// for add.
func specMayChange(act string, actor, before, after model.AccountType) bool {
	if !specTable[6].allowed[slices.Index(columns[:], actor)] { // manage members
		return false
	}
	if act != "add" && !specHoldsAll(actor, before) || !specHoldsAll(actor, after) {
		return false
	}
	// Only a primary owner makes or unmakes one.
	return actor == model.PrimaryOwner || (before != model.PrimaryOwner && after != model.PrimaryOwner)
}

// memberOps perform one member change as actor on a fresh member of type before
// (for add: adds one of type after), and report the error and whether the
// change is in the store.
var memberOps = map[string]func(e *env, n int, actor, before, after model.AccountType) (error, bool){
	"add": func(e *env, n int, actor, _, after model.AccountType) (error, bool) {
		email := fmt.Sprintf("new%d@example.com", n)
		_, err := e.as(actor).AddMember(e.ctx, backend.AddMemberRequest{Name: "New", Email: email, AccountType: after,
			SSHKeys: []string{testkit.NewSSHKey(e.t, "held by the actor").Line}})
		m, gerr := e.b.Member(e.ctx, email)
		return err, gerr == nil && m.AccountType == after
	},
	"set-type": func(e *env, n int, actor, before, after model.AccountType) (error, bool) {
		target := e.addMember(fmt.Sprintf("t%d", n), before)
		_, err := e.as(actor).SetAccountType(e.ctx, target.Email, after, target.Version)
		m, _ := e.b.Member(e.ctx, target.ID)
		return err, m.AccountType == after && (before == after || m.Version > target.Version)
	},
	"deactivate": func(e *env, n int, actor, before, _ model.AccountType) (error, bool) {
		target := e.addMember(fmt.Sprintf("t%d", n), before)
		_, err := e.as(actor).Deactivate(e.ctx, target.Email, target.Version)
		m, _ := e.b.Member(e.ctx, target.ID)
		return err, !m.Active()
	},
	"reactivate": func(e *env, n int, actor, before, _ model.AccountType) (error, bool) {
		target := e.addMember(fmt.Sprintf("t%d", n), before)
		if _, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, target.ID, 0); err != nil {
			e.t.Fatal(err)
		}
		_, err := e.as(actor).Reactivate(e.ctx, target.Email, 0)
		m, _ := e.b.Member(e.ctx, target.ID)
		return err, m.Active()
	},
	"add-ssh-key": func(e *env, n int, actor, before, _ model.AccountType) (error, bool) {
		target := e.addMember(fmt.Sprintf("t%d", n), before)
		_, err := e.as(actor).AddSSHKey(e.ctx, target.Email, testkit.NewSSHKey(e.t, "held by the actor").Line)
		m, _ := e.b.Member(e.ctx, target.ID)
		return err, len(m.SSHKeys) == 1
	},
	"remove-ssh-key": func(e *env, n int, actor, before, _ model.AccountType) (error, bool) {
		target := e.addMember(fmt.Sprintf("t%d", n), before)
		m, err := e.as(model.PrimaryOwner).AddSSHKey(e.ctx, target.Email, testkit.NewSSHKey(e.t, "theirs").Line)
		if err != nil {
			e.t.Fatal(err)
		}
		_, err = e.as(actor).RemoveSSHKey(e.ctx, target.Email, m.SSHKeys[0].Fingerprint)
		m, _ = e.b.Member(e.ctx, target.ID)
		return err, len(m.SSHKeys) == 0
	},
}

// TestMemberChangeTable walks every cell of the no-escalation rule through
// the backend: action × actor type × target type before × target type after
// (add has no before; only add and set-type change the type).
func TestMemberChangeTable(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	cells := 0
	for act, do := range memberOps {
		befores, afters := columns[:], []model.AccountType{""}
		switch act {
		case "add":
			befores, afters = []model.AccountType{""}, columns[:]
		case "set-type":
			afters = columns[:]
		}
		for _, actor := range columns {
			for _, before := range befores {
				for _, after := range afters {
					if after == "" {
						after = before
					}
					cells++
					want := specMayChange(act, actor, before, after)
					err, done := do(e, cells, actor, before, after)
					cell := fmt.Sprintf("%s by %s: %s → %s", act, actor, before, after)
					switch {
					case want && (err != nil || !done):
						t.Errorf("%s should be allowed: err=%v, in the store=%v", cell, err, done)
					case !want && model.KindOf(err) != model.KindForbidden:
						t.Errorf("%s should be refused: err=%v", cell, err)
					case !want && done && before != after:
						t.Errorf("%s was refused but made anyway", cell)
					}
				}
			}
		}
	}
	if want := 5*5 + 5*5*5 + 4*5*5; cells != want {
		t.Fatalf("walked %d cells, want %d", cells, want)
	}
}

// On oneself, through the backend: own SSH keys yes, own type and status no.
func TestMemberChangesOnOneself(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	for _, at := range columns {
		me := e.members[at]
		s := e.as(at)
		m, err := s.AddSSHKey(e.ctx, me.Email, testkit.NewSSHKey(t, "mine").Line)
		if err != nil {
			t.Errorf("%s adds their own key: %v", at, err)
		} else if _, err := s.RemoveSSHKey(e.ctx, me.ID, m.SSHKeys[0].Fingerprint); err != nil {
			t.Errorf("%s removes their own key: %v", at, err)
		}
		_, err = s.SetAccountType(e.ctx, me.Email, model.RegularMember, 0)
		wantKind(t, err, model.KindForbidden)
		_, err = s.Deactivate(e.ctx, me.Email, 0)
		wantKind(t, err, model.KindForbidden)
	}
}
