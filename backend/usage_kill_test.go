package backend_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// killChildEnv makes this test binary the process that is killed: it checks
// the keys of the secrets file named, appends the batches to the journal and
// waits for SIGKILL.
const killChildEnv = "APIKEYS_TEST_KILLED_WRITER"

// usesPerKey is how often the killed process checks each key.
const usesPerKey = 7

// TestUsageJournalFoldsAKilledProcess: a `serve` killed with -9 after its
// batches reached the journal, before any compaction, loses none of them;
// the next process's Flush folds them, exactly once (a second Flush adds
// nothing), although it never checked a key itself.
func TestUsageJournalFoldsAKilledProcess(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killedWriter(t, path)
		return
	}
	ws := testkit.NewWorkspace(t, testkit.Options{})
	ctx := context.Background()
	ids, secrets := seedKeys(t, ws, 50)
	var lines []string
	for _, id := range ids {
		lines = append(lines, secrets[id].Reveal())
	}
	file := t.TempDir() + "/secrets"
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUsageJournalFoldsAKilledProcess$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+ws.Path+"\n"+file)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // the child waits on it: never written, closed by the kill
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "appended" {
	}
	if sc.Err() != nil || sc.Text() != "appended" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the writer ended before appending: %v", sc.Err())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Flush, no Close
		t.Fatal(err)
	}
	_ = cmd.Wait()

	totals := func() map[string]int64 {
		t.Helper()
		got, err := ws.Store.UsageTotals(ctx, "2000-01-01")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, c := range got {
			m[c.KeyID+" "+c.Reason] += c.N
		}
		return m
	}
	if got := totals(); len(got) != 0 {
		t.Fatalf("before a compaction the store reads counts %v: the writer compacted, nothing is left to test", got)
	}
	for round := range 2 {
		if err := ws.Backend.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got := totals()
		for _, id := range ids {
			if got[id+" "] != usesPerKey {
				t.Fatalf("flush %d: %s counted %d uses, want %d (all: %v)", round+1, id, got[id+" "], usesPerKey, got)
			}
		}
		if len(got) != len(ids) {
			t.Fatalf("flush %d: counts %v, want one per key", round+1, got)
		}
	}
	addrs, err := ws.Store.KeyAddresses(ctx, ids[0], time.Unix(0, 0))
	if err != nil || len(addrs) != 1 || addrs[0].Addr != "192.0.2.9" {
		t.Fatalf("addresses of %s: %+v, %v; want the killed writer's", ids[0], addrs, err)
	}
}

// killedWriter is the child: a backend of its own on the same file.
func killedWriter(t *testing.T, env string) {
	path, file, _ := strings.Cut(env, "\n")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	b := backend.New(backend.Config{Store: st})
	if err := b.PrepareChecks(ctx); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range strings.Split(string(body), "\n") {
		for range usesPerKey {
			if v, err := b.Verify(ctx, sec, model.KeyImport, "192.0.2.9"); err != nil || !v.Valid {
				t.Fatalf("verify: %+v, %v", v, err)
			}
		}
	}
	if err := backend.AppendUsage(ctx, b); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("appended\n")
	_, _ = os.Stdin.Read(make([]byte, 1)) // until killed
}
