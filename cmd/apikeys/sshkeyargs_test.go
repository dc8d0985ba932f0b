package main

import (
	"fmt"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestJoinKeyWords(t *testing.T) {
	anak := testkit.NewSSHKey(t, "ana@laptop")
	ana, _ := anak.Line, anak.Fingerprint
	bok := testkit.NewSSHKey(t, "Bo's work laptop")
	bo, _ := bok.Line, bok.Fingerprint
	af, bf := strings.Fields(ana), strings.Fields(bo)
	for _, c := range []struct {
		name         string
		values, rest []string
		want         []string
		ok           bool
	}{
		{"nothing split", []string{ana}, nil, []string{ana}, true},
		{"split by ssh", []string{af[0]}, af[1:], []string{ana}, true},
		{"no comment", []string{af[0]}, af[1:2], []string{af[0] + " " + af[1]}, true},
		{"a comment of several words", []string{bf[0]}, bf[1:], []string{bo}, true},
		{"two keys, both split", []string{af[0], bf[0]}, append(af[1:], bf[1:]...), []string{ana, bo}, true},
		{"one whole, one split", []string{ana, bf[0]}, bf[1:], []string{ana, bo}, true},
		{"a stray argument", []string{ana}, []string{"extra"}, nil, false},
		{"words before any blob", []string{af[0]}, append([]string{"extra"}, af[1:]...), nil, false},
		{"a blob with no key type to join", []string{ana}, af[1:2], nil, false},
		{"another type's blob", []string{"ssh-rsa"}, af[1:], nil, false},
		{"base64 that is not a key", []string{af[0]}, []string{"aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ="}, nil, false},
	} {
		got, ok := joinKeyWords(c.values, c.rest)
		if ok != c.ok || ok && fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: joinKeyWords(%q, %q) = %q, %v; want %q, %v", c.name, c.values, c.rest, got, ok, c.want, c.ok)
		}
	}
}

// TestReadmeMembersAddOverSSH runs the README's example as written, through a
// shell and the real OpenSSH client, against `serve`: the key's quotes are
// used up by the local shell and the command arrives with the key in three
// words. Then Ana signs in with that key.
func TestReadmeMembersAddOverSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve and OpenSSH: not in -short")
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("the OpenSSH client is needed: apt-get install openssh-client")
	}
	olive, ana := newE2EKey(t, "olive@laptop"), newE2EKey(t, "ana@laptop")
	addr, _, logs := startServe(t, t.TempDir(), olive)
	port := addr[strings.LastIndex(addr, ":")+1:]
	work := t.TempDir()
	if err := os.Rename(ana.pubFile, filepath.Join(work, "ana.pub")); err != nil {
		t.Fatal(err)
	}
	ssh := func(key string) string {
		return "ssh -F /dev/null -i " + key + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=no " +
			"-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
	}
	// The README's line, with the options a test needs before the host.
	script := ssh(olive.priv) + ` -p ` + port + ` 127.0.0.1 members add --name Ana --email ana@example.com \
    --type workspace-admin --ssh-key "$(cat ana.pub)"
`
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Added Ana") || !strings.Contains(string(out), "with 1 SSH key") {
		t.Fatalf("the README's members add over SSH: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}
	cmd = exec.Command("bash", "-c", ssh(ana.priv)+" -p "+port+" 127.0.0.1 keys list")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "No API keys yet") {
		t.Fatalf("Ana signs in with the key she was added with: %v\n%s", err, out)
	}
}

// TestAddSSHKeySplitOverSSH: `members add-ssh-key EMAIL "$(cat key.pub)"` over
// SSH arrives as EMAIL and three words.
func TestAddSSHKeySplitOverSSH(t *testing.T) {
	s := newServer(t)
	keyk := testkit.NewSSHKey(t, "wanda@second laptop")
	key, fp := keyk.Line, keyk.Fingerprint
	r := s.ssh("olive@example.com", append([]string{"members", "add-ssh-key", "wanda@example.com"}, strings.Fields(key)...)...)
	if r.code != 0 || !strings.Contains(r.stdout, fp) {
		t.Fatalf("add-ssh-key with the key in words: %v", r)
	}
	r = s.ssh("olive@example.com", "members", "add-ssh-key", "wanda@example.com", "ssh-ed25519", "nonsense", "words")
	if r.code != exitUsage || !strings.Contains(r.stderr, "quote an SSH key twice") {
		t.Errorf("add-ssh-key with words that are no key: %v", r)
	}
}
