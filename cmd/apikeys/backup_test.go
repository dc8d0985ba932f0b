package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// A backup taken while another connection (as `serve` would) makes 1,000 keys
// opens cleanly and holds every key whose creation was acknowledged before the
// backup began.
func TestBackupDuringWrites(t *testing.T) {
	c := newCLI(t)
	c.ok("keys", "list") // makes the workspace and its local owner
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(c.dir, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := backend.New(backend.Config{Store: st, Clock: c.clock.Now})
	sess, err := b.SessionFor(ctx, "olive@localhost", model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}

	const writes = 1000
	var mu sync.Mutex
	var acked []string
	started := make(chan struct{}) // closed once a third of the writes are in
	done := make(chan error, 1)
	go func() {
		for i := range writes {
			k, _, err := sess.CreateKey(ctx, backend.CreateKeyRequest{
				Name: fmt.Sprintf("key %04d", i), Type: model.KeyImport,
				Expires: b.Policy().Today(c.clock.Now()).AddDays(30),
			})
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			acked = append(acked, k.ID)
			n := len(acked)
			mu.Unlock()
			if n == writes/3 {
				close(started)
			}
		}
		done <- nil
	}()
	<-started
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	dest := filepath.Join(t.TempDir(), "backup.db")
	r := c.run("backup", "--to", dest)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if r.code != 0 || !strings.Contains(r.stdout, "checked") {
		t.Fatalf("backup:\n%s", r)
	}
	t.Logf("%d keys acknowledged before the backup began, %d while it ran", len(before), during)

	copyStore, err := sqlite.Open(ctx, dest)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyStore.Close()
	keys, err := copyStore.Keys(ctx, store.KeyQuery{IncludeDeleted: true})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range keys {
		have[k.ID] = true
	}
	for _, id := range before {
		if !have[id] {
			t.Fatalf("key %s, acknowledged before the backup began, is not in it (%d keys there)", id, len(keys))
		}
	}
	if len(keys) > writes {
		t.Errorf("%d keys in the backup, more than were written", len(keys))
	}
	// The copy is a working workspace: its audit trail has each key's creation.
	evs, err := copyStore.Events(ctx, store.EventQuery{Types: []model.EventType{model.EventApiKeyCreated}})
	if err != nil || len(evs) != len(keys) {
		t.Errorf("audit events in the backup: %d (%v), keys %d", len(evs), err, len(keys))
	}
}

func TestBackupRefusals(t *testing.T) {
	c := newCLI(t)
	if r := c.run("backup", "--to", filepath.Join(t.TempDir(), "x.db")); r.code != exitRefused || !strings.Contains(r.stderr, "no database at") {
		t.Errorf("backup of nothing:\n%s", r)
	}
	c.ok("keys", "list")
	dest := filepath.Join(t.TempDir(), "x.db")
	c.ok("backup", "--to", dest)
	if r := c.run("backup", "--to", dest); r.code != exitRefused || !strings.Contains(r.stderr, "exists") {
		t.Errorf("backup over an existing file:\n%s", r)
	}
	if r := c.run("backup"); r.code != exitUsage {
		t.Errorf("backup without --to:\n%s", r)
	}
	c.vars["APIKEYS_DB"] = "postgres://apikeys:pw@127.0.0.1:1/x"
	if r := c.run("backup", "--to", filepath.Join(t.TempDir(), "y.db")); r.code != exitRefused || !strings.Contains(r.stderr, "pg_dump") || strings.Contains(r.stderr, "pw@") {
		t.Errorf("backup on PostgreSQL:\n%s", r)
	}
}
