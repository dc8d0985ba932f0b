package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestDeleteConfirmation(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Billing sync", "import", "+30d")
	id := k.Key.ID
	stillThere := func(t *testing.T) {
		t.Helper()
		if _, ok := findKey(okJSON[[]keyJSON](c, "keys", "list"), id); !ok {
			t.Fatal("the key was deleted")
		}
	}

	t.Run("no terminal, no --yes", func(t *testing.T) {
		refused(t, c.runWith("y\n", false, "keys", "delete", id), "without confirmation: there is no terminal to ask on. Pass --yes")
		stillThere(t)
	})
	t.Run("answer no", func(t *testing.T) {
		r := c.runWith("n\n", true, "keys", "delete", id)
		prompt := "Delete key “Billing sync” (" + id + ")? [y/N] "
		if r.code != exitRefused || !strings.HasPrefix(r.stderr, prompt) || !strings.Contains(r.stderr, "Not deleted") {
			t.Fatalf("%v", r)
		}
		if strings.Contains(r.stderr, "Warning") {
			t.Error("warned about a key that was never used")
		}
		stillThere(t)
	})
	t.Run("enter means no", func(t *testing.T) {
		if r := c.runWith("\n", true, "keys", "delete", id); r.code != exitRefused {
			t.Fatalf("%v", r)
		}
		stillThere(t)
	})
	t.Run("a builder is refused before being asked", func(t *testing.T) {
		c.ok("members", "add", "--name", "Bo Builder", "--email", "bo@example.com", "--type", "builder")
		r := c.runWith("y\n", true, "--as", "bo@example.com", "keys", "delete", id)
		refused(t, r, "You need to be a Workspace Admin or Security Admin to manage API keys.")
		stillThere(t)
	})
	t.Run("recent use warns, yes deletes", func(t *testing.T) {
		b := c.openBackend()
		if _, err := b.Authenticate(context.Background(), k.Secret, model.KeyImport, "10.0.0.7"); err != nil {
			t.Fatal(err)
		}
		if err := b.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.clock.Add(2 * time.Hour)
		r := c.runWith("yes\n", true, "keys", "delete", id)
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		want := "Warning: this key was used 2h ago from 10.0.0.7. Whatever uses it will stop working at once.\n"
		if !strings.HasPrefix(r.stderr, want) {
			t.Errorf("stderr %q, want the warning %q first", r.stderr, want)
		}
		if _, ok := findKey(okJSON[[]keyJSON](c, "keys", "list"), id); ok {
			t.Fatal("the key is still listed")
		}
	})
}

// A prompt waiting on a terminal gives up when the run is interrupted.
func TestConfirmInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var errb bytes.Buffer
	a := newApp(&env{stdin: pr, stdout: io.Discard, stderr: &errb})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := a.confirm(ctx, "Delete? [y/N] ")
	if ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("confirm = %v, %v", ok, err)
	}
	if code := a.fail(err); code != exitRefused || !strings.Contains(errb.String(), "apikeys: Interrupted; nothing more was done.") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
