package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

var httpListeningRE = regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)"`)

// instance is one `apikeys serve` process on the shared database.
type instance struct {
	ssh, http string
	logs      *testkit.SyncBuffer
}

func startInstance(t *testing.T, bin, db string, extra ...string) instance {
	t.Helper()
	_, logs, exited := serveProcess(t, bin, append([]string{"--db", db, "--data-dir", t.TempDir(), "--log-format", "json",
		"--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, extra...)...)
	inst := instance{ssh: waitListening(t, logs, exited), logs: logs}
	m := httpListeningRE.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no http address logged:\n%s", logs.String())
	}
	inst.http = m[1]
	return inst
}

func verify(t *testing.T, addr, key, typ string) (valid bool, reason string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"key": key, "type": typ})
	resp, err := http.Post("http://"+addr+"/api/v1/keys/verify", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Valid  bool   `json:"valid"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("verify: %d %v", resp.StatusCode, err)
	}
	return v.Valid, v.Reason
}

// TestTwoInstancesOnOneDatabase runs two real `serve` processes on one PostgreSQL
// database: a key deleted through A is refused by B within a second, and
// edits made through A and B at the same time lose nothing.
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	bin := buildBinary(t, "builds the binary and runs two servers")
	db := postgresURL(t)
	owner := newE2EKey(t, "olive@laptop")
	a := startInstance(t, bin, db, "--initial-admin-key", owner.pubFile,
		"--initial-admin-email", "olive@example.com", "--initial-admin-name", "Olive Owner")
	b := startInstance(t, bin, db)

	// A key made through A works through B.
	r := sshRun(t, a.ssh, owner, "keys create --name imports --type import --expires +30d --json")
	if r.code != 0 {
		t.Fatalf("create through A: %v", r)
	}
	var made struct {
		Key    struct{ ID string }
		Secret string
	}
	if err := json.Unmarshal([]byte(r.stdout), &made); err != nil || made.Secret == "" {
		t.Fatalf("create output %q: %v", r.stdout, err)
	}
	// B learns of it from A's change notice, within the feed's bound (the
	// README measures it); the first verify can come before the notice.
	testkit.Eventually(t, "B to accept a key made through A", func() bool {
		ok, _ := verify(t, b.http, made.Secret, "import")
		return ok
	})

	// Concurrent edits through both instances: each either lands or is told of a
	// conflict; every one that landed has its audit event and the last one stands.
	const rounds = 10
	type edit struct {
		name string
		ok   bool
	}
	var mu sync.Mutex
	var edits []edit
	var wg sync.WaitGroup
	for i, inst := range []instance{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range rounds {
				name := fmt.Sprintf("edit-%c-%02d", 'A'+i, n)
				r := sshRun(t, inst.ssh, owner, "keys edit "+made.Key.ID+" --name "+name)
				if r.code != 0 && !strings.Contains(r.stderr, "since you opened it") {
					t.Errorf("edit %s: %v", name, r)
				}
				mu.Lock()
				edits = append(edits, edit{name, r.code == 0})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	landed := map[string]bool{}
	for _, e := range edits {
		if e.ok {
			landed[e.name] = true
		}
	}
	audit := sshRun(t, b.ssh, owner, "audit --type ApiKeyUpdated --json")
	var events []struct {
		Payload struct {
			Changes map[string]struct{ New any }
		}
	}
	if err := json.Unmarshal([]byte(audit.stdout), &events); err != nil {
		t.Fatalf("audit: %v %q", err, audit.stdout)
	}
	recorded := map[string]bool{}
	for _, e := range events {
		if n, ok := e.Payload.Changes["name"].New.(string); ok {
			recorded[n] = true
		}
	}
	for n := range landed {
		if !recorded[n] {
			t.Errorf("edit %s landed but has no audit event", n)
		}
	}
	if len(recorded) != len(landed) {
		t.Errorf("%d edits landed, %d audit events", len(landed), len(recorded))
	}

	// Delete through A; B refuses the key within one second, even though it has
	// just checked it (and so holds it in its authentication cache).
	if ok, _ := verify(t, b.http, made.Secret, "import"); !ok {
		t.Fatal("B refuses the key before its deletion")
	}
	if r := sshRun(t, a.ssh, owner, "keys delete "+made.Key.ID+" --yes"); r.code != 0 {
		t.Fatalf("delete through A: %v", r)
	}
	deleted := time.Now()
	poll := time.NewTicker(20 * time.Millisecond) // well inside the per-address rate limit
	defer poll.Stop()
	for ; ; <-poll.C {
		// Judge each answer by when its request was sent, so a slow machine
		// doesn't count the time the answer took against the server.
		sent := time.Since(deleted)
		ok, reason := verify(t, b.http, made.Secret, "import")
		if !ok {
			if reason != "revoked" {
				t.Fatalf("B refuses with %q, want revoked", reason)
			}
			break
		}
		if sent > time.Second {
			t.Fatalf("B still accepted the key %v after it was deleted through A", sent)
		}
	}
	t.Logf("B refused the deleted key %v after the delete through A", time.Since(deleted).Round(time.Millisecond))
}
