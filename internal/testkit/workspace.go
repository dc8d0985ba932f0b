package testkit

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// Workspace is a real backend on a temporary SQLite store, bootstrapped with a
// Primary Owner, on a clock the test moves.
type Workspace struct {
	t       testing.TB
	Backend *backend.Backend
	Store   *sqlite.Store
	Path    string // the SQLite file
	Clock   *Clock
	Owner   model.Member
}

// Options shape a Workspace; the zero value is Olive Owner's workspace "Acme"
// in UTC at Start.
type Options struct {
	Policy       model.ExpiryPolicy
	Logger       *slog.Logger        // the backend's; nil: discard
	OwnerName    string              // zero: Olive Owner
	OwnerEmail   string              // zero: olive@example.com
	OwnerSSHKeys []string            // authorized_keys lines of the owner
	Start        time.Time           // the clock's first reading; zero: Start
	KeyChecked   func(result string) // told every presented key's result (backend.Config.KeyChecked)
	// RealTime runs the backend on time.Now instead of Clock, for servers whose
	// timers (idle limits, watchers) must agree with the stamps it writes.
	RealTime bool
}

// NewWorkspace opens the store in t's temporary directory and bootstraps it; the
// store is flushed and closed when the test ends.
func NewWorkspace(t testing.TB, o Options) *Workspace {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "apikeys.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := NewClock(Start)
	if !o.Start.IsZero() {
		clock.Set(o.Start)
	}
	cfg := backend.Config{Store: st, Clock: clock.Now, Policy: o.Policy, Logger: o.Logger, KeyChecked: o.KeyChecked}
	if o.RealTime {
		cfg.Clock = nil
	}
	b := backend.New(cfg)
	t.Cleanup(func() { _ = b.Flush(context.Background()) })
	name, email := o.OwnerName, o.OwnerEmail
	if name == "" {
		name, email = "Olive Owner", "olive@example.com"
	}
	owner := bootstrap(t, b, name, email, o.OwnerSSHKeys)
	return &Workspace{t: t, Backend: b, Store: st, Path: path, Clock: clock, Owner: owner}
}

// Bootstrap makes Olive Owner's workspace "Acme" on b, for a test that builds its
// backend itself (on PostgreSQL, on a wrapped store), and returns her session
// from the CLI.
func Bootstrap(t testing.TB, b *backend.Backend) *backend.Session {
	t.Helper()
	owner := bootstrap(t, b, "Olive Owner", "olive@example.com", nil)
	s, err := b.SessionFor(context.Background(), owner.ID, model.SourceCLI)
	if err != nil {
		t.Fatalf("session for the owner: %v", err)
	}
	return s
}

func bootstrap(t testing.TB, b *backend.Backend, name, email string, sshKeys []string) model.Member {
	t.Helper()
	owner, created, err := b.Bootstrap(context.Background(), "Acme", name, email, sshKeys)
	if err != nil || !created {
		t.Fatalf("bootstrap: created=%v err=%v", created, err)
	}
	return owner
}

// Session acts as a member, named by id or email, from the CLI.
func (w *Workspace) Session(member string) *backend.Session {
	w.t.Helper()
	s, err := w.Backend.SessionFor(context.Background(), member, model.SourceCLI)
	if err != nil {
		w.t.Fatalf("session for %s: %v", member, err)
	}
	return s
}

// AddMember adds an active member through the owner's session, with SSH keys as
// authorized_keys lines.
func (w *Workspace) AddMember(name, email string, at model.AccountType, sshKeys ...string) model.Member {
	w.t.Helper()
	m, err := w.Session(w.Owner.ID).AddMember(context.Background(), backend.AddMemberRequest{
		Name: name, Email: email, AccountType: at, SSHKeys: sshKeys,
	})
	if err != nil {
		w.t.Fatalf("add member %s: %v", email, err)
	}
	return m
}

// MemberOfEachType adds one member of every account type but Primary Owner, named
// after the type ("security-admin", security-admin@example.com), and returns them
// with the owner.
func (w *Workspace) MemberOfEachType() map[model.AccountType]model.Member {
	w.t.Helper()
	out := map[model.AccountType]model.Member{model.PrimaryOwner: w.Owner}
	for _, at := range model.AccountTypes {
		if at != model.PrimaryOwner {
			out[at] = w.AddMember(string(at), string(at)+"@example.com", at)
		}
	}
	return out
}
