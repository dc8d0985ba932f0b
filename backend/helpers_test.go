package backend_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
	"golang.org/x/crypto/ssh"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// env is a bootstrapped workspace with one active member of each account type.
type env struct {
	t       *testing.T
	ctx     context.Context
	b       *backend.Backend
	clock   *fakeClock
	path    string
	logs    *syncBuffer
	members map[model.AccountType]model.Member
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var start = time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)

func newEnv(t *testing.T, policy model.ExpiryPolicy) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "apikeys.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	clock := &fakeClock{t: start}
	b := backend.New(backend.Config{
		Store: st, Clock: clock.Now, Policy: policy,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	owner, created, err := b.Bootstrap(ctx, "Acme", "Olive Owner", "olive@example.com", nil)
	if err != nil || !created {
		t.Fatalf("bootstrap: created=%v err=%v", created, err)
	}
	e := &env{t: t, ctx: ctx, b: b, clock: clock, path: path, logs: logs,
		members: map[model.AccountType]model.Member{model.PrimaryOwner: owner}}
	for _, at := range model.AccountTypes[1:] {
		e.members[at] = e.addMember(string(at), at)
	}
	return e
}

// addMember adds a member through the owner's session.
func (e *env) addMember(name string, at model.AccountType) model.Member {
	e.t.Helper()
	m, err := e.as(model.PrimaryOwner).AddMember(e.ctx, backend.AddMemberRequest{
		Name: name, Email: name + "@example.com", AccountType: at,
	})
	if err != nil {
		e.t.Fatalf("add %s: %v", name, err)
	}
	return m
}

// as is a session of the workspace's member of account type at.
func (e *env) as(at model.AccountType) *backend.Session {
	e.t.Helper()
	s, err := e.b.SessionFor(e.ctx, e.members[at].ID, model.SourceCLI)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// createKey makes a key of type kt as the owner, expiring in 30 days.
func (e *env) createKey(name string, kt model.KeyType) (model.Key, model.Secret) {
	e.t.Helper()
	k, sec, err := e.as(model.PrimaryOwner).CreateKey(e.ctx, backend.CreateKeyRequest{
		Name: name, Type: kt, Expires: e.days(30),
	})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return k, sec
}

// days is the date n days after today in the workspace zone.
func (e *env) days(n int) model.Date {
	return e.b.Policy().Today(e.clock.Now()).AddDays(n)
}

func newSSHKey(t *testing.T, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment
}

func wantKind(t *testing.T, err error, k model.Kind) {
	t.Helper()
	if model.KindOf(err) != k || err == nil {
		t.Fatalf("got error %v (kind %v), want kind %v", err, model.KindOf(err), k)
	}
}

func ptr[T any](v T) *T { return &v }
