package main

import (
	"context"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"strings"
	"testing"
)

// A hostile Workspace Admin on the command line, locally (--as) and over SSH:
// every way to a Security Admin's powers is refused, saying what is needed, and
// nothing changes (nobody grants or touches powers they don't hold).
func TestWorkspaceAdminCantEscalateFromTheCLI(t *testing.T) {
	c := newCLI(t)
	c.ok("members", "add", "--name", "Wanda Admin", "--email", "wanda@example.com", "--type", "workspace-admin")
	c.ok("members", "add", "--name", "Sara Sec", "--email", "sara@example.com", "--type", "security-admin")
	c.ok("members", "add", "--name", "Bo Builder", "--email", "bo@example.com", "--type", "builder")
	heldk := testkit.NewSSHKey(t, "wanda@laptop")
	held, heldFP := heldk.Line, heldk.Fingerprint
	wanda := func(args ...string) result {
		return c.run(append([]string{"--as", "wanda@example.com", "members"}, args...)...)
	}

	refused(t, wanda("add", "--name", "Sam", "--email", "sam@example.com", "--type", "security-admin", "--ssh-key", held),
		"You need to be a Primary Owner to add a Security Admin.")
	refused(t, wanda("add-ssh-key", "sara@example.com", held),
		"You need to be a Primary Owner to add an SSH key to a Security Admin.")
	refused(t, wanda("set-type", "bo@example.com", "security-admin"),
		"You need to be a Primary Owner to make someone a Security Admin.")
	refused(t, wanda("set-type", "sara@example.com", "member"),
		"You need to be a Primary Owner to change the account type of a Security Admin.")
	refused(t, wanda("deactivate", "sara@example.com"), "You need to be a Primary Owner to deactivate a Security Admin.")
	c.ok("members", "deactivate", "sara@example.com")
	refused(t, wanda("reactivate", "sara@example.com"), "You need to be a Primary Owner to reactivate a Security Admin.")
	refused(t, c.run("--as", "wanda@example.com", "audit"), "You need to be a Security Admin to read the audit log.")

	// What a Workspace Admin may do, they still do: a Builder with a key they hold.
	c.ok("--as", "wanda@example.com", "members", "add", "--name", "Sock", "--email", "sock@example.com", "--type", "builder", "--ssh-key", held)
	refused(t, wanda("set-type", "sock@example.com", "security-admin"), "You need to be a Primary Owner to make someone a Security Admin.")

	if _, err := c.openBackend().MemberBySSHKey(context.Background(), heldFP); err != nil {
		t.Fatal(err)
	}
	for _, m := range okJSON[[]memberJSON](c, "members", "list") {
		switch {
		case m.Email == "sam@example.com":
			t.Errorf("Sam was added: %+v", m)
		case m.Email == "sara@example.com" && (len(m.SSHKeys) != 0 || m.Status != "deactivated" || m.AccountType != "security-admin"):
			t.Errorf("Sara changed: %+v", m)
		case m.Email == "sock@example.com" && m.AccountType != "builder":
			t.Errorf("Sock is a %s", m.AccountType)
		case m.Email == "bo@example.com" && m.AccountType != "builder":
			t.Errorf("Bo is a %s", m.AccountType)
		}
	}
}

func TestWorkspaceAdminCantEscalateOverSSH(t *testing.T) {
	s := newServer(t) // Olive (owner), Wanda (workspace admin), Bo (builder)
	if r := s.ssh("olive@example.com", "members", "add", "--name", "Sara Sec", "--email", "sara@example.com", "--type", "security-admin"); r.code != 0 {
		t.Fatal(r)
	}
	heldk := testkit.NewSSHKey(t, "wanda@laptop")
	held, heldFP := heldk.Line, heldk.Fingerprint
	refused(t, s.ssh("wanda@example.com", "members", "add", "--name", "Sam", "--email", "sam@example.com", "--type", "security-admin", "--ssh-key", held),
		"You need to be a Primary Owner to add a Security Admin.")
	refused(t, s.ssh("wanda@example.com", "members", "add-ssh-key", "sara@example.com", held),
		"You need to be a Primary Owner to add an SSH key to a Security Admin.")
	refused(t, s.ssh("wanda@example.com", "members", "set-type", "bo@example.com", "security-admin"),
		"You need to be a Primary Owner to make someone a Security Admin.")
	refused(t, s.ssh("wanda@example.com", "members", "remove-ssh-key", "olive@example.com", s.fps["olive@example.com"]),
		"You need to be a Primary Owner to remove an SSH key of a Primary Owner.")
	// The key Wanda holds signs in as nobody.
	if m, err := s.b.MemberBySSHKey(context.Background(), heldFP); err == nil {
		t.Fatalf("Wanda's key signs in as %s", m.Email)
	}
	refused(t, s.ssh("wanda@example.com", "audit"), "You need to be a Security Admin to read the audit log.")
	refused(t, s.ssh("wanda@example.com", "keys", "create", "--name", "siem", "--type", "audit-logs", "--expires", "+30d"),
		"You need to be a Security Admin to manage Audit logs API keys.")
}

// Every member adds and removes their own SSH keys, a Builder too; over SSH the
// last key of the last active owner stays.
func TestOwnSSHKeysOverSSH(t *testing.T) {
	s := newServer(t)
	linek := testkit.NewSSHKey(t, "bo@desktop")
	line, fp := linek.Line, linek.Fingerprint
	if r := s.ssh("bo@example.com", "members", "add-ssh-key", "bo@example.com", line); r.code != 0 || !strings.Contains(r.stdout, "Added SSH key "+fp) {
		t.Fatalf("bo adds his own key: %v", r)
	}
	if r := s.ssh("bo@example.com", "members", "remove-ssh-key", "bo@example.com", fp); r.code != 0 {
		t.Fatalf("bo removes his own key: %v", r)
	}
	refused(t, s.ssh("bo@example.com", "members", "add-ssh-key", "wanda@example.com", line), "You need to be a Workspace Admin to manage members.")

	refused(t, s.ssh("olive@example.com", "members", "remove-ssh-key", "olive@example.com", s.fps["olive@example.com"]),
		"That is the last SSH key of the last active Primary Owner")
	if m, err := s.b.MemberBySSHKey(context.Background(), s.fps["olive@example.com"]); err != nil || m.Email != "olive@example.com" {
		t.Fatalf("Olive's key: %v %v", m.Email, err)
	}
}
