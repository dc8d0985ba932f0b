package backend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// TestSecretsAreFoundNowhere creates and rotates keys, uses them, then searches the
// database files, every audit event and all log output for the secrets.
func TestSecretsAreFoundNowhere(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	var secrets []model.Secret
	for _, kt := range model.KeyTypes {
		k, s := e.createKey("key for "+string(kt), kt)
		secrets = append(secrets, s)
		rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Grace: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, rot.Secret)
		// Use every key, right and wrong, so authentication logs whatever it logs.
		for _, s := range []model.Secret{s, rot.Secret} {
			_, _ = e.b.Authenticate(e.ctx, s.Reveal(), model.KeyAuditLogs, "127.0.0.1")
			_, _ = e.b.Verify(e.ctx, s.Reveal(), model.KeyImport, "127.0.0.1")
		}
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	page, err := owner.ListEvents(e.ctx, backend.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := json.Marshal(page.Events)
	var files [][]byte
	matches, _ := filepath.Glob(e.path + "*") // the database, its WAL and shared memory
	for _, f := range matches {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if len(files) == 0 {
		t.Fatal("no database files found to search")
	}
	for _, s := range secrets {
		needle := []byte(s.Reveal())
		if bytes.Contains(events, needle) {
			t.Fatal("a secret is in the audit trail")
		}
		if bytes.Contains([]byte(e.logs.String()), needle) {
			t.Fatal("a secret is in the log")
		}
		for i, f := range files {
			if bytes.Contains(f, needle) {
				t.Fatalf("a secret is in %s", matches[i])
			}
		}
	}
	// The hash, not the secret, is what the store can find a key by.
	if _, err := e.b.Authenticate(context.Background(), secrets[1].Reveal(), model.KeyAuditLogs, "x"); err != nil {
		t.Fatalf("the audit-logs key no longer authenticates: %v", err)
	}
}
