package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/postgres/pgtest"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
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
	body, lines := readSecrets(t, secrets, 7)
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	verifyAll(t, st, lines)
	// A second run never overwrites the file, and leaves it whole.
	if err := seed(context.Background(), t.TempDir(), "", secrets, 1); err == nil {
		t.Fatal("a second seed into the same secrets file succeeded")
	}
	if again, _ := os.ReadFile(secrets); string(again) != string(body) {
		t.Fatal("a refused seed changed the secrets file")
	}
}

// A seeded directory is a store like any other: SQLite finds nothing wrong
// with the file, it is in WAL mode again, the CLI's member can list the keys
// and create one more, and the keys are stamped for the change feed (a key
// created after the seed is told to subscribers as one change, not a resync).
func TestSeededStoreIsANormalStore(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(t.TempDir(), "secrets")
	const n = 2345 // several of the loader's batches, and a partial one
	if err := seed(context.Background(), dir, "", secrets, n); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "apikeys.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check, mode string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode: %q, %v", mode, err)
	}
	raw.Close()

	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkSeeded(t, dir, st, secrets, n)
}

// Seeding PostgreSQL copies the keys into the database; the secrets verify
// there and the CLI's member works with them.
func TestSeedPostgres(t *testing.T) {
	url := pgtest.Database(t, "apikeys_seed_")
	dir := t.TempDir()
	secrets := filepath.Join(t.TempDir(), "secrets")
	const n = 1500
	if err := seed(context.Background(), dir, url, secrets, n); err != nil {
		t.Fatal(err)
	}
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkSeeded(t, dir, st, secrets, n)
	// A second seed finds the workspace and refuses.
	if err := seed(context.Background(), t.TempDir(), url, "", 1); err == nil || !strings.Contains(err.Error(), "already holds a workspace") {
		t.Errorf("a second seed of the database: %v", err)
	}
}

// readSecrets reads the secrets file, which must have n lines.
func readSecrets(t *testing.T, path string, n int) (string, []string) {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	return string(body), lines
}

// verifyAll checks that each secret is a valid key of st.
func verifyAll(t *testing.T, st store.Store, secrets []string) {
	t.Helper()
	b := backend.New(backend.Config{Store: st})
	for i, line := range secrets {
		_, kt, err := model.ParseSecret(line)
		if err != nil {
			t.Fatalf("secret %d is not a secret", i+1)
		}
		if res, err := b.Verify(context.Background(), line, kt, ""); err != nil || !res.Valid {
			t.Fatalf("secret %d: valid=%v reason=%q err=%v", i+1, res.Valid, res.Reason, err)
		}
	}
}

// checkSeeded checks a store seeded with n keys into dir: the first, the
// middle and the last secret verify, and the CLI's member works (checkCLIMember).
func checkSeeded(t *testing.T, dir string, st store.Store, secrets string, n int) {
	t.Helper()
	_, lines := readSecrets(t, secrets, n)
	verifyAll(t, st, []string{lines[0], lines[n/2], lines[n-1]})
	checkCLIMember(t, dir, st, n)
}

// checkCLIMember acts as the member dir's local-member file names, as the CLI
// does: it lists n keys, creates one more, and subscribers hear of that one
// key alone.
func checkCLIMember(t *testing.T, dir string, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	email, err := os.ReadFile(filepath.Join(dir, "local-member"))
	if err != nil {
		t.Fatal(err)
	}
	b := backend.New(backend.Config{Store: st})
	s, err := b.SessionFor(ctx, strings.TrimSpace(string(email)), model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	if err := s.EachKey(ctx, client.KeyFilter{}, func(*model.Key) error { listed++; return nil }); err != nil || listed != n {
		t.Fatalf("the CLI's member lists %d keys (%v), want %d", listed, err, n)
	}
	sub, stop := context.WithCancel(ctx)
	defer stop()
	notices := b.Subscribe(sub)
	k, _, err := s.CreateKey(ctx, client.CreateKeyRequest{Name: "after the seed", Type: model.KeyExport,
		Expires: b.Policy().Today(b.Now()).AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	for got := range notices {
		if got.Kind == store.NoticeKey {
			if got.ID != k.ID || got.Version != 1 {
				t.Errorf("notice %+v, want key %s at version 1", got, k.ID)
			}
			break
		}
		if got.Kind == store.NoticeResync || got.Kind == store.NoticeCut {
			t.Fatalf("notice %v before the new key's", got.Kind)
		}
	}
}
