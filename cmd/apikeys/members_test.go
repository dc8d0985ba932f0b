package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

func TestMembers(t *testing.T) {
	c := newCLI(t)
	k1 := testkit.NewSSHKey(t, "ana@laptop")
	key1, fp1 := k1.Line, k1.Fingerprint
	k2 := testkit.NewSSHKey(t, "ana@desktop")
	key2, fp2 := k2.Line, k2.Fingerprint
	k3 := testkit.NewSSHKey(t, "ana@phone")
	key3, fp3 := k3.Line, k3.Fingerprint

	out := c.ok("members", "add", "--name", "Ana Lopez", "--email", "Ana@Example.com", "--type", "workspace-admin",
		"--ssh-key", key1, "--ssh-key", key2)
	if !strings.HasPrefix(out, "Added Ana Lopez (ana@example.com) as a Workspace Admin, with 2 SSH keys (mem_") {
		t.Errorf("add said %q", out)
	}
	ana := memberByEmail(t, c, "ana@example.com")
	if ana.AccountType != "workspace-admin" || ana.Status != "active" || fingerprints(ana) != sortedJoin(fp1, fp2) {
		t.Fatalf("ana: %+v", ana)
	}
	refused(t, c.run("members", "add", "--name", "Ana Again", "--email", "ana@example.com", "--type", "builder"), "")

	if out := c.ok("members", "set-type", "ana@example.com", "Security Admin"); out != "Ana Lopez (ana@example.com) is now a Security Admin.\n" {
		t.Errorf("set-type said %q", out)
	}
	refused(t, c.run("members", "set-type", "olive@localhost", "builder"), "You can't change your own account type.")

	// add-ssh-key from standard input, named by id; remove by fingerprint.
	r := c.runWith("# Ana's phone\n"+key3+"\n", false, "members", "add-ssh-key", ana.ID, "-")
	if r.code != 0 || r.stdout != "Added SSH key "+fp3+" to Ana Lopez (ana@example.com).\n" {
		t.Fatalf("add-ssh-key: %v", r)
	}
	if out := c.ok("members", "remove-ssh-key", "ana@example.com", fp1); out != "Removed SSH key "+fp1+" from Ana Lopez (ana@example.com).\n" {
		t.Errorf("remove-ssh-key said %q", out)
	}
	if got := fingerprints(memberByEmail(t, c, "ana@example.com")); got != sortedJoin(fp2, fp3) {
		t.Errorf("ana's keys %s, want %s", got, sortedJoin(fp2, fp3))
	}
	refused(t, c.run("members", "add-ssh-key", "ana@example.com", "not a key"), "Not an SSH public key")

	// Deactivated, Ana can't act; reactivated, she can again.
	if out := c.ok("members", "deactivate", "ana@example.com"); out != "Deactivated Ana Lopez (ana@example.com): they can no longer sign in, and their open sessions end.\n" {
		t.Errorf("deactivate said %q", out)
	}
	refused(t, c.run("--as", "ana@example.com", "keys", "list"), "ana@example.com's account is deactivated.")
	if out := c.ok("members", "reactivate", "ana@example.com"); out != "Reactivated Ana Lopez (ana@example.com): they can sign in again.\n" {
		t.Errorf("reactivate said %q", out)
	}
	c.ok("--as", "ana@example.com", "keys", "list")
	refused(t, c.run("members", "deactivate", "nobody@example.com"), `No member “nobody@example.com” in this workspace.`)

	lines := strings.Split(strings.TrimSpace(c.ok("members", "list")), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME         EMAIL            ACCOUNT TYPE    STATUS  SSH KEYS  ID") ||
		!strings.HasPrefix(lines[1], "Ana Lopez    ana@example.com  Security Admin  active  2         mem_") ||
		!strings.HasPrefix(lines[2], "Olive Owner  olive@localhost  Primary Owner   active  0         mem_") {
		t.Errorf("members list:\n%s", strings.Join(lines, "\n"))
	}

	types := map[string]int{}
	for _, e := range okJSON[[]eventJSON](c, "audit", "--type", "UserInvited,SshKeyAdded", "--type", "SshKeyRemoved") {
		types[e.EventType]++
	}
	if types["UserInvited"] != 2 || types["SshKeyAdded"] != 3 || types["SshKeyRemoved"] != 1 || len(types) != 3 {
		t.Errorf("audit by type: %v", types)
	}
}

func fingerprints(m memberJSON) string {
	var fps []string
	for _, k := range m.SSHKeys {
		fps = append(fps, k.Fingerprint)
	}
	return sortedJoin(fps...)
}

func sortedJoin(s ...string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, " ")
}

func memberByEmail(t *testing.T, c *cli, email string) memberJSON {
	t.Helper()
	for _, m := range okJSON[[]memberJSON](c, "members", "list") {
		if m.Email == email {
			return m
		}
	}
	t.Fatalf("no member %s", email)
	return memberJSON{}
}

// The first run on an empty data directory makes the OS user the workspace's
// primary owner and remembers them: later runs act as them whoever runs them.
func TestLocalOwner(t *testing.T) {
	c := newCLI(t)
	ms := okJSON[[]memberJSON](c, "members", "list")
	if len(ms) != 1 || ms[0].Name != "Olive Owner" || ms[0].Email != "olive@localhost" || ms[0].AccountType != "primary-owner" {
		t.Fatalf("members after the first run: %+v", ms)
	}
	saved, err := os.ReadFile(filepath.Join(c.dir, localMemberFile))
	if err != nil || string(saved) != "olive@localhost\n" {
		t.Fatalf("local member file: %q, %v", saved, err)
	}
	ws := okJSON[[]eventJSON](c, "audit")
	if len(ws) != 1 || ws[0].EventType != "UserInvited" || ws[0].Actor.Type != "system" {
		t.Fatalf("bootstrap events: %+v", ws)
	}

	// Another OS account on the same data directory still acts as Olive.
	var out, errb strings.Builder
	e := c.env("", false, nil, nil)
	e.stdout, e.stderr = &out, &errb
	e.osUser = func() (string, string) { return "mallory", "Mallory" }
	if code := run(t.Context(), []string{"keys", "create", "--name", "k", "--type", "import", "--expires", "+1d", "--json"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"name": "Olive Owner"`) {
		t.Errorf("created as someone else: %s", out.String())
	}
	refused(t, c.run("--as", "mallory@localhost", "keys", "list"), `No member “mallory@localhost” in this workspace.`)
}

func TestEmailLocalPart(t *testing.T) {
	for in, want := range map[string]string{
		"olive": "olive", "Olive.Owner": "olive.owner", `CORP\ana`: "corpana", "ana lopez": "analopez",
		"": "owner", "..": "owner", "a..b": "owner", "李": "owner", "_svc-1": "_svc-1",
	} {
		if got := emailLocalPart(in); got != want {
			t.Errorf("emailLocalPart(%q) = %q, want %q", in, got, want)
		}
	}
}
