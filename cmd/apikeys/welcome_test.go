package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The run that creates a workspace leaves the welcome pending; the first TUI
// shows it (a.welcome) until it is dismissed, and never again.
func TestWelcomeOnceOnAFreshDataDir(t *testing.T) {
	c := newCLI(t)
	c.ok("keys", "list") // the first run, a command: the workspace is made
	pending := filepath.Join(c.dir, welcomeFile)
	if _, err := os.Stat(pending); err != nil {
		t.Fatalf("the first run left no %s: %v", welcomeFile, err)
	}
	open := func() *app {
		var out, errb bytes.Buffer
		a := &app{env: c.env("", false, &out, &errb)}
		if _, err := a.client(context.Background()); err != nil {
			t.Fatal(err)
		}
		return a
	}
	w := open().welcome()
	if w == nil {
		t.Fatal("no welcome on the first TUI")
	}
	if w.DataDir != c.dir || w.Database != filepath.Join(c.dir, dbFile) {
		t.Errorf("welcome says the data is in %q / %q, want %q", w.DataDir, w.Database, c.dir)
	}
	w.Dismissed()
	if open().welcome() != nil {
		t.Error("the welcome shows again after it was dismissed")
	}
	c.ok("keys", "list")
	if open().welcome() != nil {
		t.Error("a later run made the welcome pending again")
	}
}
