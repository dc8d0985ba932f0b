package backend_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// env is a bootstrapped workspace with one active member of each account type.
type env struct {
	t       *testing.T
	ctx     context.Context
	b       *backend.Backend
	clock   *testkit.Clock
	path    string
	logs    *testkit.SyncBuffer
	members map[model.AccountType]model.Member
}

var start = testkit.Start

func newEnv(t *testing.T, policy model.ExpiryPolicy) *env {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	ws := testkit.NewWorkspace(t, testkit.Options{
		Policy: policy,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return &env{t: t, ctx: context.Background(), b: ws.Backend, clock: ws.Clock, path: ws.Path, logs: logs,
		members: ws.MemberOfEachType()}
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

func wantKind(t *testing.T, err error, k model.Kind) {
	t.Helper()
	if model.KindOf(err) != k || err == nil {
		t.Fatalf("got error %v (kind %v), want kind %v", err, model.KindOf(err), k)
	}
}

func ptr[T any](v T) *T { return &v }
