package sshd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

func TestUnknownKeyIsRefused(t *testing.T) {
	ts := startServer(t, nil)
	stranger := newIdentity(t, "stranger@elsewhere")
	_, err := ts.dial(stranger)
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("dial with an unknown key: %v, want an authentication failure", err)
	}
	if !strings.Contains(ts.logs.String(), stranger.fp) {
		t.Errorf("the refusal is not logged with the key's fingerprint %s", stranger.fp)
	}
}

func TestPasswordAndKeyboardInteractiveAreRefused(t *testing.T) {
	ts := startServer(t, nil)
	tried := 0
	for name, auth := range map[string]gossh.AuthMethod{
		"password": gossh.Password("hunter2"),
		"keyboard-interactive": gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			tried++
			return []string{"hunter2"}, nil
		}),
	} {
		_, err := gossh.Dial("tcp", ts.addr, clientConfig(auth))
		if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("%s: %v, want an authentication failure", name, err)
		}
		// The server offers public keys only, so the client never gets to
		// send the secret.
		if err != nil && !strings.Contains(err.Error(), "no supported methods remain") {
			t.Errorf("%s: %v, want the server to offer no such method", name, err)
		}
	}
	if tried != 0 {
		t.Errorf("keyboard-interactive challenge was answered %d times, want 0", tried)
	}
}

func TestKnownKeyOfActiveMemberSignsIn(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.mustDial(ts.ownerID)
	out, _, code := ts.run(c, "whoami")
	if code != 0 || !strings.Contains(out, "hello Ana Owner (primary-owner) whoami "+ts.ownerID.fp) {
		t.Fatalf("got %q exit %d, want Ana's session carrying her key's fingerprint", out, code)
	}
}

func TestDeactivatedMemberIsRefused(t *testing.T) {
	ts := startServer(t, nil)
	bo, boID := ts.addMember("Bo Builder", "bo@example.com", model.Builder)
	if _, err := ts.ownerSession().Deactivate(context.Background(), bo.Email, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.dial(boID); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("dial as a deactivated member: %v, want an authentication failure", err)
	}
}

func TestHostKeyIsMadeOnceAndPrivate(t *testing.T) {
	ts := startServer(t, nil)
	_ = ts
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "ssh_host_ed25519")
	cfg := sshd.Config{Backend: ts.b, HostKeyPath: path, TUI: standInTUI(0), Command: standInCommand}
	if _, err := sshd.New(cfg); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	if _, err := sshd.New(cfg); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	if string(first) != string(again) {
		t.Error("a second start replaced the host key")
	}
	if _, err := sshd.New(sshd.Config{Backend: ts.b, TUI: standInTUI(0), Command: standInCommand}); err == nil {
		t.Error("New without a host key path succeeded; it must not fall back to the working directory")
	}
}

func TestHostKeyReadableByOthersIsRefused(t *testing.T) {
	ts := startServer(t, nil)
	path := filepath.Join(t.TempDir(), "ssh_host_ed25519")
	cfg := sshd.Config{Backend: ts.b, HostKeyPath: path, TUI: standInTUI(0), Command: standInCommand}
	if _, err := sshd.New(cfg); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := sshd.New(cfg)
		if err == nil || !strings.Contains(err.Error(), "run: chmod 600 "+path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("mode %04o: %v, want a one-line refusal naming chmod 600", mode, err)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := sshd.New(cfg); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
}

func TestPerAddressRateLimit(t *testing.T) {
	ts := startServer(t, func(c *sshd.Config) { c.PerAddrRate = 2 })
	for i := 0; i < 2; i++ {
		c := ts.mustDial(ts.ownerID)
		c.Close()
	}
	var banner string
	cfg := clientConfig(gossh.PublicKeys(ts.ownerID.signer))
	cfg.BannerCallback = func(msg string) error { banner = msg; return nil }
	_, err := gossh.Dial("tcp", ts.addr, cfg)
	if err == nil {
		t.Fatal("third connection within a minute was let in with a limit of 2")
	}
	if !strings.Contains(banner, "too many connections from 127.0.0.1 (at most 2 a minute)") {
		t.Errorf("banner %q does not say why", banner)
	}
}
