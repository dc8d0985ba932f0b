package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// The secrets file is private, holds one secret a line, and every line is a
// key of the seeded store, valid for its type.
func TestSeedWritesTheSecrets(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(t.TempDir(), "secrets")
	if err := seed(context.Background(), dir, "", secrets, 7); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(secrets)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v, want 0600", fi.Mode().Perm())
	}
	body, err := os.ReadFile(secrets)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7", len(lines))
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := backend.New(backend.Config{Store: st})
	for i, line := range lines {
		_, kt, err := model.ParseSecret(line)
		if err != nil {
			t.Fatalf("line %d is not a secret", i+1)
		}
		if res, err := b.Verify(context.Background(), line, kt, ""); err != nil || !res.Valid {
			t.Fatalf("line %d: valid=%v reason=%q err=%v", i+1, res.Valid, res.Reason, err)
		}
	}
	// A second run never overwrites the file, and leaves it whole.
	if err := seed(context.Background(), t.TempDir(), "", secrets, 1); err == nil {
		t.Fatal("a second seed into the same secrets file succeeded")
	}
	if again, _ := os.ReadFile(secrets); string(again) != string(body) {
		t.Fatal("a refused seed changed the secrets file")
	}
}
