package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// countingReceiver counts each webhook-id it is sent. While hang is closed it
// answers 200; before, it holds every request until the client gives up.
type countingReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	seen    map[string]int
	release chan struct{}
}

func newCountingReceiver(t *testing.T, hang bool) *countingReceiver {
	r := &countingReceiver{seen: map[string]int{}, release: make(chan struct{})}
	if !hang {
		close(r.release)
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen[req.Header.Get("webhook-id")]++
		r.mu.Unlock()
		select {
		case <-r.release:
		case <-req.Context().Done():
			return
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// counts is how many distinct ids arrived and how many arrivals were repeats.
func (r *countingReceiver) counts() (distinct, duplicates int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		distinct++
		duplicates += n - 1
	}
	return
}

// startServe starts `apikeys serve` on a store; kill stops it with SIGKILL.
func startServeBinary(t *testing.T, bin string, args ...string) (kill func()) {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	cmd := exec.Command(bin, append([]string{"serve", "--log-format", "json", "--ssh-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	var once sync.Once
	kill = func() {
		once.Do(func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		})
	}
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			t.Logf("serve log:\n%s", logs.String())
		}
	})
	waitListening(t, logs, exited)
	return kill
}

// seedWebhook bootstraps a workspace on st, subscribes url to key.created, and
// returns the owner's session for making changes.
func seedWebhook(t *testing.T, st store.Store, url string) *backend.Session {
	t.Helper()
	s := testkit.Bootstrap(t, backend.New(backend.Config{Store: st}))
	if _, _, err := s.AddWebhook(context.Background(), backend.AddWebhookRequest{URL: url, Events: []model.WebhookEvent{model.HookKeyCreated}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func createKeys(t *testing.T, s *backend.Session, n int) {
	t.Helper()
	for i := range n {
		if _, _, err := s.CreateKey(context.Background(), backend.CreateKeyRequest{Name: fmt.Sprintf("k%d", i), Type: model.KeyImport,
			Expires: s.Policy().Today(s.Now()).AddDays(30)}); err != nil {
			t.Fatal(err)
		}
	}
}

func waitDistinct(t *testing.T, r *countingReceiver, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if d, _ := r.counts(); d >= n {
			return
		}
		if time.Now().After(deadline) {
			d, dup := r.counts()
			t.Fatalf("%d of %d events reached the receiver (%d duplicates)", d, n, dup)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SIGKILL `serve` while 500 deliveries are pending (some claimed and in flight
// to a receiver that doesn't answer); after a restart every event arrives.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	bin := buildBinary(t, "builds the binary and kills it")
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rcv := newCountingReceiver(t, true)
	owner := seedWebhook(t, st, rcv.URL)

	kill := startServeBinary(t, bin, "--data-dir", dir)
	const n = 500
	createKeys(t, owner, n)
	// The server has claimed a batch and holds some sends open when it dies.
	deadline := time.Now().Add(serveWait)
	for d, _ := rcv.counts(); d < 8; d, _ = rcv.counts() {
		if time.Now().After(deadline) {
			t.Fatalf("the server sent %d deliveries", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	kill()
	pending, err := st.WebhookDeliveries(context.Background(), store.DeliveryQuery{State: model.DeliveryPending})
	if err != nil || len(pending) != n {
		t.Fatalf("after SIGKILL: %d pending deliveries (%v), want %d", len(pending), err, n)
	}

	close(rcv.release)
	startServeBinary(t, bin, "--data-dir", dir)
	// Every event reaches the receiver, and every one is answered and recorded
	// delivered: the sends the kill cut off come back when their lease ends.
	waitDistinct(t, rcv, n, 2*time.Minute)
	for deadline := time.Now().Add(2 * time.Minute); ; {
		ds, err := st.WebhookDeliveries(context.Background(), store.DeliveryQuery{State: model.DeliveryDelivered})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries recorded delivered", len(ds), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d, dup := rcv.counts()
	t.Logf("after the restart: %d distinct events arrived, %d arrivals were repeats of sends cut off by the kill", d, dup)
	if d != n {
		t.Errorf("%d distinct events, want %d", d, n)
	}
}

// Two `serve` instances on one PostgreSQL database deliver each event once in
// the normal case.
func TestWebhooksTwoInstancesDeliverOnce(t *testing.T) {
	bin := buildBinary(t, "builds the binary and runs two servers")
	db := postgresURL(t)
	st, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rcv := newCountingReceiver(t, false)
	owner := seedWebhook(t, st, rcv.URL)
	startServeBinary(t, bin, "--db", db, "--data-dir", t.TempDir())
	startServeBinary(t, bin, "--db", db, "--data-dir", t.TempDir())
	const n = 500
	createKeys(t, owner, n)
	waitDistinct(t, rcv, n, serveWait)
	ds, err := st.WebhookDeliveries(context.Background(), store.DeliveryQuery{State: model.DeliveryDelivered})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the last attempts to be recorded, then count.
	for deadline := time.Now().Add(serveWait); len(ds) < n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		ds, _ = st.WebhookDeliveries(context.Background(), store.DeliveryQuery{State: model.DeliveryDelivered})
	}
	d, dup := rcv.counts()
	t.Logf("two instances: %d distinct events, %d duplicates, %d recorded delivered", d, dup, len(ds))
	if d != n || dup != 0 || len(ds) != n {
		t.Errorf("%d distinct, %d duplicates, %d delivered; want %d, 0, %d", d, dup, len(ds), n, n)
	}
}
