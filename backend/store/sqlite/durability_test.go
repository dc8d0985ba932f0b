package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

const writerEnv = "APIKEYS_SQLITE_TEST_WRITER_DB"

// TestMain lets the durability test run this binary as the writer it kills.
func TestMain(m *testing.M) {
	if path := os.Getenv(writerEnv); path != "" {
		os.Exit(writeUntilKilled(path))
	}
	os.Exit(m.Run())
}

// writeUntilKilled creates keys (each with its audit event) in a loop and
// prints each id once its transaction has committed.
func writeUntilKilled(path string) int {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("key_%07d", i)
		now := time.Now()
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertKey(ctx, model.Key{ID: id, Name: id, Type: model.KeyImport,
				Hash: model.HashSecret(id), CreatedAt: now, ExpiresAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, model.AuditEvent{ID: "evt_" + id, Type: model.EventApiKeyCreated,
				EventTimestamp: now, Actor: model.Actor{Type: model.ActorSystem}, Source: model.SourceCLI})
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(id)
	}
}

// A process killed with SIGKILL while creating keys loses none it reported
// created, and leaves a database that opens cleanly and passes integrity_check.
func TestKilledWriterLosesNoReportedKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "apikeys.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reported := map[string]bool{}
	lines := bufio.NewScanner(out)
	for len(reported) < 300 && lines.Scan() {
		reported[lines.Text()] = true
	}
	// Killed mid-loop, most likely inside a transaction.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() { // ids printed before the kill landed were committed too
		reported[lines.Text()] = true
	}
	cmd.Wait()
	if len(reported) < 300 {
		t.Fatalf("the writer reported only %d keys before it stopped", len(reported))
	}

	s := open(t, path)
	keys, err := s.Keys(t.Context(), store.KeyQuery{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, k := range keys {
		found[k.ID] = true
	}
	for id := range reported {
		if !found[id] {
			t.Errorf("key %s was reported created but is missing", id)
		}
	}
	if ok, err := sqlite.IntegrityCheck(t.Context(), s); err != nil || ok != "ok" {
		t.Fatalf("integrity_check = %q, %v", ok, err)
	}
	t.Logf("%d keys reported, %d stored", len(reported), len(keys))
}
