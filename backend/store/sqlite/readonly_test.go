package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

func TestOpenReadOnlyDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "apikeys.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateWorkspace(t.Context(), model.Workspace{ID: "ws_1", Name: "Acme"})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	testkit.ReadOnlyDir(t, dir)
	before := testkit.DirListing(t, dir)

	ro := open(t, path)
	if !ro.ReadOnly() {
		t.Fatal("opened a read-only directory read-write")
	}
	if w, err := ro.Workspace(t.Context()); err != nil || w.ID != "ws_1" {
		t.Fatalf("Workspace = %+v, %v", w, err)
	}
	err = ro.Update(t.Context(), func(store.Tx) error { return nil })
	var roErr *sqlite.ReadOnlyError
	if !errors.As(err, &roErr) || roErr.Dir != dir {
		t.Fatalf("Update on a read-only store = %v, want a ReadOnlyError naming %s", err, dir)
	}
	if after := testkit.DirListing(t, dir); after != before {
		t.Errorf("files in the read-only directory: %q, then %q", before, after)
	}
}

func TestOpenReadOnlyNeedsCurrentSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "apikeys.db")
	if err := sqlite.CreateAtVersion(t.Context(), path, 1); err != nil {
		t.Fatal(err)
	}
	testkit.ReadOnlyDir(t, dir)
	_, err := sqlite.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "needs upgrading") || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("Open of an old schema in a read-only directory = %v", err)
	}
}

// TestFailedOpenLeavesNoFile: a new database that can't be set up is removed,
// so that the next run doesn't find an empty file and take it for one.
func TestFailedOpenLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "apikeys.db")
	if err := os.Mkdir(path+"-wal", 0o700); err != nil { // SQLite can't make its WAL
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open succeeded without a WAL")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Open left %s behind (%v)", path, err)
	}
}
