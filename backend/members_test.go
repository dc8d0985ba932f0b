package backend_test

import (
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"golang.org/x/crypto/ssh"
)

// fingerprintOf is the SHA256 fingerprint of an authorized_keys line.
func fingerprintOf(t *testing.T, line string) string {
	t.Helper()
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(pk)
}

// cantActAsSecurityAdmin checks what the attacker holds at the end: whoever the
// key signs in as (if anyone) can neither read the audit log nor mint an Audit
// logs key.
func cantActAsSecurityAdmin(e *env, keyLine string) {
	e.t.Helper()
	m, err := e.b.MemberBySSHKey(e.ctx, fingerprintOf(e.t, keyLine))
	if err != nil {
		return // the key signs in as nobody
	}
	s, err := e.b.SessionFor(e.ctx, m.ID, model.SourceSSH)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := s.ListEvents(e.ctx, backend.EventFilter{}); model.KindOf(err) != model.KindForbidden {
		e.t.Errorf("%s (%s) read the audit log: %v", m.Email, m.AccountType, err)
	}
	_, _, err = s.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "siem", Type: model.KeyAuditLogs, Expires: e.days(30)})
	if model.KindOf(err) != model.KindForbidden {
		e.t.Errorf("%s (%s) minted an Audit logs key: %v", m.Email, m.AccountType, err)
	}
}

// refusedSaying checks err is a refusal whose sentence holds want.
func refusedSaying(t *testing.T, err error, want string) {
	t.Helper()
	if model.KindOf(err) != model.KindForbidden || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v (kind %v), want a refusal saying %q", err, model.KindOf(err), want)
	}
}

// TestWorkspaceAdminCantBecomeSecurityAdmin plays each way a Workspace Admin could
// take a Security Admin's powers (nobody grants or touches powers they don't
// hold), and checks the key they hold gets them none.
func TestWorkspaceAdminCantBecomeSecurityAdmin(t *testing.T) {
	t.Run("adds a security admin with a key they hold", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		mine := testkit.NewSSHKey(t, "wa@laptop").Line
		_, err := e.as(model.WorkspaceAdmin).AddMember(e.ctx, backend.AddMemberRequest{
			Name: "Sam", Email: "sam@example.com", AccountType: model.SecurityAdmin, SSHKeys: []string{mine},
		})
		refusedSaying(t, err, "You need to be a Primary Owner to add a Security Admin.")
		if _, err := e.b.Member(e.ctx, "sam@example.com"); model.KindOf(err) != model.KindNotFound {
			t.Errorf("the member was added anyway: %v", err)
		}
		cantActAsSecurityAdmin(e, mine)
	})
	t.Run("adds a primary owner with a key they hold", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		mine := testkit.NewSSHKey(t, "wa@laptop").Line
		_, err := e.as(model.WorkspaceAdmin).AddMember(e.ctx, backend.AddMemberRequest{
			Name: "Pat", Email: "pat@example.com", AccountType: model.PrimaryOwner, SSHKeys: []string{mine},
		})
		refusedSaying(t, err, "You need to be a Primary Owner to add a Primary Owner.")
		cantActAsSecurityAdmin(e, mine)
	})
	t.Run("adds their own key to a security admin", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		mine := testkit.NewSSHKey(t, "wa@laptop").Line
		sa := e.members[model.SecurityAdmin]
		_, err := e.as(model.WorkspaceAdmin).AddSSHKey(e.ctx, sa.Email, mine)
		refusedSaying(t, err, "You need to be a Primary Owner to add an SSH key to a Security Admin.")
		if m, _ := e.b.Member(e.ctx, sa.ID); len(m.SSHKeys) != 0 {
			t.Errorf("the Security Admin has keys %v", m.SSHKeys)
		}
		cantActAsSecurityAdmin(e, mine)
	})
	t.Run("promotes a member whose key they hold", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		mine := testkit.NewSSHKey(t, "wa@laptop").Line
		wa := e.as(model.WorkspaceAdmin)
		// Adding a Builder is the Workspace Admin's right; the Builder's key is theirs.
		sock, err := wa.AddMember(e.ctx, backend.AddMemberRequest{
			Name: "Sock", Email: "sock@example.com", AccountType: model.Builder, SSHKeys: []string{mine},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []model.AccountType{model.SecurityAdmin, model.PrimaryOwner} {
			_, err = wa.SetAccountType(e.ctx, sock.Email, to, 0)
			refusedSaying(t, err, "You need to be a Primary Owner to make someone a "+to.Label()+".")
		}
		// Anyone else too.
		_, err = wa.SetAccountType(e.ctx, e.members[model.RegularMember].Email, model.SecurityAdmin, 0)
		refusedSaying(t, err, "You need to be a Primary Owner to make someone a Security Admin.")
		cantActAsSecurityAdmin(e, mine)
	})
	t.Run("demotes a security admin", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		_, err := e.as(model.WorkspaceAdmin).SetAccountType(e.ctx, e.members[model.SecurityAdmin].Email, model.Builder, 0)
		refusedSaying(t, err, "You need to be a Primary Owner to change the account type of a Security Admin.")
	})
	t.Run("deactivates a security admin", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		sa := e.members[model.SecurityAdmin]
		_, err := e.as(model.WorkspaceAdmin).Deactivate(e.ctx, sa.Email, 0)
		refusedSaying(t, err, "You need to be a Primary Owner to deactivate a Security Admin.")
		if m, _ := e.b.Member(e.ctx, sa.ID); !m.Active() {
			t.Error("the Security Admin was deactivated anyway")
		}
	})
	t.Run("reactivates a security admin", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		sa := e.members[model.SecurityAdmin]
		if _, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, sa.Email, 0); err != nil {
			t.Fatal(err)
		}
		_, err := e.as(model.WorkspaceAdmin).Reactivate(e.ctx, sa.Email, 0)
		refusedSaying(t, err, "You need to be a Primary Owner to reactivate a Security Admin.")
		if m, _ := e.b.Member(e.ctx, sa.ID); m.Active() {
			t.Error("the Security Admin was reactivated anyway")
		}
	})
	t.Run("removes a security admin's key", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		sa := e.members[model.SecurityAdmin]
		m, err := e.as(model.PrimaryOwner).AddSSHKey(e.ctx, sa.Email, testkit.NewSSHKey(t, "sa@laptop").Line)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.as(model.WorkspaceAdmin).RemoveSSHKey(e.ctx, sa.Email, m.SSHKeys[0].Fingerprint)
		refusedSaying(t, err, "You need to be a Primary Owner to remove an SSH key of a Security Admin.")
	})
	t.Run("the workspace admin's own powers are untouched", func(t *testing.T) {
		e := newEnv(t, model.ExpiryPolicy{})
		wa := e.as(model.WorkspaceAdmin)
		if _, err := wa.ListEvents(e.ctx, backend.EventFilter{}); model.KindOf(err) != model.KindForbidden {
			t.Errorf("a Workspace Admin read the audit log: %v", err)
		}
		_, _, err := wa.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "siem", Type: model.KeyAuditLogs, Expires: e.days(30)})
		if model.KindOf(err) != model.KindForbidden {
			t.Errorf("a Workspace Admin minted an Audit logs key: %v", err)
		}
	})
}

// Every member adds and removes their own SSH keys, whatever their account type.
func TestOwnSSHKeys(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	for _, at := range model.AccountTypes {
		me := e.members[at]
		line := testkit.NewSSHKey(t, string(at)).Line
		m, err := e.as(at).AddSSHKey(e.ctx, me.Email, line)
		if err != nil {
			t.Errorf("%s adding their own key: %v", at, err)
			continue
		}
		if _, err := e.as(at).RemoveSSHKey(e.ctx, me.ID, m.SSHKeys[0].Fingerprint); err != nil {
			t.Errorf("%s removing their own key: %v", at, err)
		}
	}
}

// Over SSH the last key of the last active primary owner stays: removing it would
// leave nobody able to sign in as an owner. From the server's own machine (the
// CLI) it may go, and over SSH it may once there is another.
func TestLastOwnerKeepsLastKeyOverSSH(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.members[model.PrimaryOwner]
	overSSH, err := e.b.SessionFor(e.ctx, owner.ID, model.SourceSSH)
	if err != nil {
		t.Fatal(err)
	}
	m, err := overSSH.AddSSHKey(e.ctx, owner.Email, testkit.NewSSHKey(t, "olive@laptop").Line)
	if err != nil {
		t.Fatal(err)
	}
	first := m.SSHKeys[0].Fingerprint
	_, err = overSSH.RemoveSSHKey(e.ctx, owner.Email, first)
	wantKind(t, err, model.KindInvalid)
	if !strings.Contains(err.Error(), "last SSH key of the last active Primary Owner") {
		t.Errorf("refusal %q", err)
	}

	// With a second key, the first may go.
	if _, err := overSSH.AddSSHKey(e.ctx, owner.Email, testkit.NewSSHKey(t, "olive@desktop").Line); err != nil {
		t.Fatal(err)
	}
	if _, err := overSSH.RemoveSSHKey(e.ctx, owner.Email, first); err != nil {
		t.Fatalf("removing one of two keys: %v", err)
	}

	// With a second owner, the last key of the first may go.
	second := e.addMember("second", model.PrimaryOwner)
	m, _ = e.b.Member(e.ctx, owner.ID)
	if _, err := overSSH.RemoveSSHKey(e.ctx, owner.Email, m.SSHKeys[0].Fingerprint); err != nil {
		t.Fatalf("removing the last key while %s is an owner too: %v", second.Email, err)
	}

	// From the CLI on the server's machine, the lone owner may remove their last key.
	if _, err := e.as(model.PrimaryOwner).Deactivate(e.ctx, second.Email, 0); err != nil {
		t.Fatal(err)
	}
	m, err = e.as(model.PrimaryOwner).AddSSHKey(e.ctx, owner.Email, testkit.NewSSHKey(t, "olive@phone").Line)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.as(model.PrimaryOwner).RemoveSSHKey(e.ctx, owner.Email, m.SSHKeys[0].Fingerprint); err != nil {
		t.Fatalf("removing the last key from the CLI: %v", err)
	}
}

// Someone who may not manage members learns nothing about who is one: naming a
// stranger is refused the same way as naming a member.
func TestRefusedBeforeNotFound(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	b := e.as(model.Builder)
	for name, err := range map[string]error{
		"add-ssh-key": func() error {
			_, err := b.AddSSHKey(e.ctx, "nobody@example.com", testkit.NewSSHKey(t, "x").Line)
			return err
		}(),
		"deactivate": func() error { _, err := b.Deactivate(e.ctx, "nobody@example.com", 0); return err }(),
		"set-type":   func() error { _, err := b.SetAccountType(e.ctx, "nobody@example.com", model.Builder, 0); return err }(),
	} {
		if model.KindOf(err) != model.KindForbidden {
			t.Errorf("%s on a stranger as a builder: %v, want a refusal", name, err)
		}
	}
}
