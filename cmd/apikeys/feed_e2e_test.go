package main

import (
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/internal/testkit"
)

// TestCLIDeleteRefusedByRunningServe: on SQLite, a key deleted with the CLI
// (its own store handle on the file, as another process) is refused by a
// running `serve` process, whose key index learns of it through the change
// feed. How long that takes is reported, not asserted: the machine is shared.
func TestCLIDeleteRefusedByRunningServe(t *testing.T) {
	bin := buildBinary(t, "builds the binary and runs a server")
	c := newCLI(t)
	c.clock = testkit.NewClock(time.Now().UTC()) // the server checks expiry on the real clock
	first := c.createKey("first", "import", "+30d")

	_, logs, exited := serveProcess(t, bin, "--data-dir", c.dir, "--log-format", "json",
		"--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	waitListening(t, logs, exited)
	m := httpListeningRE.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no http address logged:\n%s", logs.String())
	}
	addr := m[1]
	if ok, reason := verify(t, addr, first.Secret, "import"); !ok {
		t.Fatalf("serve refuses a key the CLI made before it started: %s", reason)
	}

	const n = 20
	var took []time.Duration
	for range n {
		k := c.createKey("k", "import", "+30d")
		testkit.Eventually(t, "serve to accept a key the CLI just made", func() bool {
			ok, _ := verify(t, addr, k.Secret, "import")
			return ok
		})
		c.ok("keys", "delete", k.Key.ID, "--yes")
		deleted := time.Now()
		testkit.Eventually(t, "serve to refuse a key the CLI deleted", func() bool {
			ok, reason := verify(t, addr, k.Secret, "import")
			return !ok && reason == "revoked"
		})
		took = append(took, time.Since(deleted))
	}
	slices.Sort(took)
	t.Logf("a CLI delete refused by the running serve after: min %v, median %v, max %v (n=%d)",
		took[0], took[n/2], took[n-1], n)
}
