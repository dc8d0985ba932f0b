package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/backend/store/storetest"
	"github.com/apikeys-dev/apikeys/model"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	})
}

func TestOpenCreatesPrivateDirectoryAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "apikeys")
	path := filepath.Join(dir, "apikeys.db")
	s := open(t, path)
	// Write something so the -wal file exists too.
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateWorkspace(t.Context(), model.Workspace{ID: "ws_1", Name: "Acme", CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(name), got, want)
		}
	}
}

func TestOpenTightensLooseFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	open(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("mode %o after Open, want 600", got)
	}
}

// Reopening must keep the data and not re-run migrations (which would fail on
// CREATE TABLE of existing tables).
func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	ws := model.Workspace{ID: "ws_1", Name: "Acme", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWorkspace(t.Context(), ws) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, path).Workspace(t.Context())
	if err != nil || got != ws {
		t.Fatalf("Workspace after reopen = %+v, %v; want %+v", got, err, ws)
	}
}

func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	for _, c := range []struct {
		conn string
		want map[string]string
	}{
		{"writer", map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2",
			"busy_timeout": "10000", "query_only": "0"}},
		{"reader", map[string]string{"journal_mode": "wal", "foreign_keys": "1",
			"busy_timeout": "10000", "query_only": "1"}},
	} {
		got, err := sqlite.Pragmas(t.Context(), s, c.conn == "writer")
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range c.want {
			if got[name] != w {
				t.Errorf("%s: pragma %s = %q, want %q", c.conn, name, got[name], w)
			}
		}
	}
}

// Secrets' hashes and key names must not leak through error messages.
func TestConflictErrorsHoldNoValues(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	hash := model.HashSecret("apk_imp_secretsecretsecretsecretsecretse123456")
	k := model.Key{ID: "key_1", Name: "very private name", Type: model.KeyImport, Hash: hash,
		CreatedAt: time.Now(), ExpiresAt: time.Now(), UpdatedAt: time.Now()}
	insert := func(k model.Key) error {
		return s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertKey(t.Context(), k) })
	}
	if err := insert(k); err != nil {
		t.Fatal(err)
	}
	k.ID = "key_2"
	err := insert(k)
	if model.KindOf(err) != model.KindConflict {
		t.Fatalf("duplicate hash: %v, want conflict", err)
	}
	for _, leak := range []string{fmt.Sprintf("%x", hash), string(hash), k.Name} {
		if strings.Contains(err.Error(), leak) {
			t.Fatalf("error %q holds a value it must not", err)
		}
	}
}

// The CLI and `apikeys serve` may write the same file at once: two stores (two
// connection sets, as two processes would have) writing transactions that read
// before they write must all commit, waiting on the lock instead of failing.
func TestTwoStoresOnOneFileSerialiseWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	stores := []*sqlite.Store{open(t, path), open(t, path)}
	const perWriter = 30
	var wg sync.WaitGroup
	errs := make(chan error, 2*2*perWriter)
	for si, s := range stores {
		for w := range 2 {
			wg.Go(func() {
				for i := range perWriter {
					errs <- s.Update(t.Context(), func(tx store.Tx) error {
						// Read first: a deferred transaction would start as a
						// reader and fail to upgrade once the other store wrote.
						if _, err := tx.Keys(t.Context(), store.KeyQuery{}); err != nil {
							return err
						}
						id := fmt.Sprintf("key_%d_%d_%02d", si, w, i)
						now := time.Now()
						return tx.InsertKey(t.Context(), model.Key{ID: id, Name: id, Type: model.KeyImport,
							Hash: model.HashSecret(id), CreatedAt: now, ExpiresAt: now, UpdatedAt: now})
					})
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a writer failed: %v", err)
		}
	}
	keys, err := stores[1].Keys(t.Context(), store.KeyQuery{})
	if err != nil || len(keys) != 2*2*perWriter {
		t.Fatalf("Keys = %d, %v; want %d", len(keys), err, 2*2*perWriter)
	}
}

// Keys may come from a cache: a commit made through another store on the same
// file (another process, such as the CLI while `apikeys serve` runs) must show
// in the very next list.
func TestKeysSeesWritesFromAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	server, cli := open(t, path), open(t, path)
	insert := func(id string) {
		t.Helper()
		now := time.Now()
		if err := cli.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertKey(t.Context(), model.Key{ID: id, Name: id, Type: model.KeyImport,
				Hash: model.HashSecret(id), CreatedAt: now, ExpiresAt: now, UpdatedAt: now})
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		insert(fmt.Sprintf("key_%d", i))
		keys, err := server.Keys(t.Context(), store.KeyQuery{})
		if err != nil || len(keys) != i+1 {
			t.Fatalf("after %d inserts by another store, Keys = %d keys, %v", i+1, len(keys), err)
		}
	}
	if err := cli.TouchKey(t.Context(), "key_0", time.Now(), "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	keys, err := server.Keys(t.Context(), store.KeyQuery{})
	if err != nil || keys[2].ID != "key_0" || keys[2].LastUsedAt == nil {
		t.Fatalf("after another store's TouchKey, Keys = %+v, %v", keys, err)
	}
}
