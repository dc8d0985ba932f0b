// Package testkit holds what the tests of several packages share: a clock moved
// by hand, a buffer written by one goroutine and read by another, SSH keys, a
// wait for a condition, and a workspace on a real backend over a temporary
// SQLite store. Only tests (and the TUI's test double) import it.
package testkit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Start is the usual pinned "now" of a test: 10 Mar 2027, 15:04:05 UTC.
var Start = time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)

// Clock is a clock a test moves by hand; it is safe for concurrent use, so a
// backend and a server may read it while the test moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time; pass the method value as a func() time.Time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// SyncBuffer is a bytes.Buffer that a server goroutine (a logger, a subprocess
// pipe) writes while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SSHKey is an ed25519 key pair: the private key, the signer a client signs in
// with, the public key as an authorized_keys line and its SHA256 fingerprint.
type SSHKey struct {
	Private     ed25519.PrivateKey
	Signer      gossh.Signer
	Line        string
	Fingerprint string
}

// NewSSHKey makes a fresh key whose authorized_keys line ends with comment.
func NewSSHKey(t testing.TB, comment string) SSHKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := sshKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FixedSSHKey is the same key for the same seed byte every run, for data that
// must look the same in every frame.
func FixedSSHKey(seed byte, comment string) SSHKey {
	k, err := sshKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)), comment)
	if err != nil {
		panic(err) // an ed25519 key from a well-formed seed always converts
	}
	return k
}

func sshKey(priv ed25519.PrivateKey, comment string) (SSHKey, error) {
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return SSHKey{}, err
	}
	pk := signer.PublicKey()
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment
	return SSHKey{Private: priv, Signer: signer, Line: line, Fingerprint: gossh.FingerprintSHA256(pk)}, nil
}

// WaitTimeout bounds every wait for a condition: generous, for -race on a shared
// 2-core machine.
const WaitTimeout = 20 * time.Second

// Eventually polls cond until it holds, failing the test after WaitTimeout;
// what names the condition in the failure.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(WaitTimeout)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-poll.C:
		}
	}
}

// ReadOnlyDir takes the write bits off dir and the files in it, and gives them
// back when the test ends (so that it can remove them).
func ReadOnlyDir(t testing.TB, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.Chmod(filepath.Join(dir, e.Name()), 0o400)
	}
	os.Chmod(dir, 0o500)
	t.Cleanup(func() {
		os.Chmod(dir, 0o700)
		for _, e := range entries {
			os.Chmod(filepath.Join(dir, e.Name()), 0o600)
		}
	})
}

// DirListing is dir's entries with their modes, sizes and modification times,
// one a line: equal before and after, nothing in dir was touched.
func DirListing(t testing.TB, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %d %s", e.Name(), fi.Mode(), fi.Size(), fi.ModTime()))
	}
	return strings.Join(out, "\n")
}
