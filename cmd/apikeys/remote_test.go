package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// server is what an SSH server holds: one backend, and members known by the
// fingerprints of their SSH keys.
type server struct {
	t     *testing.T
	b     *backend.Backend
	dir   string
	owner model.Member
	fps   map[string]string // member email → SSH key fingerprint
}

func newServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	ownerKey := testkit.NewSSHKey(t, "olive")
	ws := testkit.NewWorkspace(t, testkit.Options{Start: start, OwnerSSHKeys: []string{ownerKey.Line}})
	b, owner, dir, ownerFP := ws.Backend, ws.Owner, filepath.Dir(ws.Path), ownerKey.Fingerprint
	s := &server{t: t, b: b, dir: dir, owner: owner, fps: map[string]string{owner.Email: ownerFP}}
	sess := ws.Session(owner.ID)
	for _, m := range []struct {
		name, email string
		typ         model.AccountType
	}{{"Wanda Admin", "wanda@example.com", model.WorkspaceAdmin}, {"Bo Builder", "bo@example.com", model.Builder}} {
		k := testkit.NewSSHKey(t, m.email)
		line, fp := k.Line, k.Fingerprint
		if _, err := sess.AddMember(ctx, client.AddMemberRequest{Name: m.name, Email: m.email, AccountType: m.typ, SSHKeys: []string{line}}); err != nil {
			t.Fatal(err)
		}
		s.fps[m.email] = fp
	}
	return s
}

// ssh runs a command line as the SSH server would for a session authenticated with
// email's public key: the key, through its fingerprint, is all it has.
func (s *server) ssh(email string, args ...string) result {
	s.t.Helper()
	m, err := s.b.MemberBySSHKey(context.Background(), s.fps[email])
	if err != nil {
		s.t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runRemote(context.Background(), s.b, m, args, strings.NewReader(""), &out, &errb, false)
	return result{out.String(), errb.String(), code}
}

func TestRemoteIdentityIsTheSSHKey(t *testing.T) {
	s := newServer(t)
	for _, args := range [][]string{
		{"--as", "olive@example.com", "keys", "list"},
		{"keys", "list", "--as=olive@example.com"},
		{"--data-dir", t.TempDir(), "keys", "list"},
		{"--db", "postgres://u:hunter2@db/apikeys", "keys", "list"},
		{"--timezone", "Asia/Tokyo", "keys", "list"},
		{"--max-key-lifetime", "3000", "keys", "create", "--name", "x", "--type", "import", "--expires", "+2000d"},
	} {
		r := s.ssh("bo@example.com", args...)
		refused(t, r, "can't be used over SSH")
		if strings.Contains(r.stderr, "hunter2") {
			t.Errorf("the refusal echoed a password: %q", r.stderr)
		}
	}

	// Bo is a builder whatever he types: the refusal names what he'd need.
	refused(t, s.ssh("bo@example.com", "keys", "list"), "You need to be a Workspace Admin or Security Admin to manage API keys.")
	// Wanda may manage import keys but not audit-logs keys.
	refused(t, s.ssh("wanda@example.com", "keys", "create", "--name", "siem", "--type", "audit-logs", "--expires", "+30d"),
		"You need to be a Security Admin to manage Audit logs API keys.")
	r := s.ssh("wanda@example.com", "keys", "create", "--name", "etl", "--type", "import", "--expires", "+30d", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"name": "Wanda Admin"`) {
		t.Fatalf("wanda's create: %v", r)
	}

	// Typing the program's name too is fine.
	if r := s.ssh("wanda@example.com", "apikeys", "keys", "list", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"name": "etl"`) {
		t.Fatalf("apikeys keys list over SSH: %v", r)
	}

	// The audit trail names Wanda, from SSH.
	r = s.ssh("olive@example.com", "audit", "--type", "ApiKeyCreated", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"email": "wanda@example.com"`) || !strings.Contains(r.stdout, `"source": "ssh"`) {
		t.Fatalf("audit: %v", r)
	}

	// The server's environment and data directory play no part: nothing was
	// created beside the server's own database.
	if files, _ := filepath.Glob(filepath.Join(s.dir, "*")); len(files) > 3 {
		t.Errorf("files in the server's data dir: %v", files)
	}
}

func TestRemoteHelpHidesLocalFlags(t *testing.T) {
	s := newServer(t)
	r := s.ssh("bo@example.com", "keys", "list", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--expiring-within") || !strings.Contains(r.stdout, "--json") {
		t.Fatalf("%v", r)
	}
	for _, f := range []string{"--as", "--data-dir", "--db", "--timezone", "--max-key-lifetime"} {
		if strings.Contains(r.stdout, f+" ") {
			t.Errorf("help over SSH offers %s", f)
		}
	}
}

// `serve` is refused over SSH once it exists, whatever its own hooks do.
func TestRemoteRefusesServe(t *testing.T) {
	s := newServer(t)
	m, err := s.b.MemberBySSHKey(context.Background(), s.fps["olive@example.com"])
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve"}, {"serve", "--help"}, {"--json", "serve", "--ssh-addr", ":2222"}} {
		var out, errb bytes.Buffer
		a := newApp(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, remote: &remote{backend: s.b, member: m}})
		root := newRootCmd(a)
		ran := false
		serve := &cobra.Command{Use: "serve", RunE: func(*cobra.Command, []string) error { ran = true; return nil }}
		serve.Flags().String("ssh-addr", ":23234", "")
		root.AddCommand(serve)
		code := execute(context.Background(), a, root, args)
		refused(t, result{out.String(), errb.String(), code}, "`apikeys serve` can't be used over SSH")
		if ran {
			t.Errorf("%v: serve ran over SSH", args)
		}
	}
	// The real serve command, registered in the root, is refused the same way.
	refused(t, s.ssh("olive@example.com", "serve"), "`apikeys serve` can't be used over SSH")
}

// A member deactivated after signing in can't run anything more.
func TestRemoteDeactivatedMember(t *testing.T) {
	s := newServer(t)
	m, err := s.b.MemberBySSHKey(context.Background(), s.fps["wanda@example.com"])
	if err != nil {
		t.Fatal(err)
	}
	if r := s.ssh("olive@example.com", "members", "deactivate", "wanda@example.com"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	var out, errb bytes.Buffer
	code := runRemote(context.Background(), s.b, m, []string{"keys", "list"}, strings.NewReader(""), &out, &errb, false)
	refused(t, result{out.String(), errb.String(), code}, "account is deactivated")
}
