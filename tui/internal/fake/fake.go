// Package fake is the TUI's test double: the real client — a backend session
// (backend.New on a temporary SQLite store) of one signed-in member — with only
// what a test needs to stage added around it: a call that fails or waits until
// released, a fixed clock, predictable ids and secrets, other members' sessions
// to change things behind the TUI's back, and direct store writes for data that
// validation would refuse. Every rule the TUI shows comes from the backend, so
// the double can't drift from it.
package fake

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// Client is the signed-in member's real session, with injection.
type Client struct {
	t     testing.TB
	b     *backend.Backend
	st    *sqlite.Store
	clock *testkit.Clock
	gen   *generator
	me    *backend.Session
	path  string // the SQLite file
	pol   model.ExpiryPolicy

	mu     sync.Mutex
	fails  map[string]failure
	holds  map[string]chan struct{}
	events []client.EventFilter // every ListEvents query, in order
}

// EventQueries are the filters of every ListEvents call so far.
func (c *Client) EventQueries() []client.EventFilter {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

type failure struct {
	err  error
	once bool
}

var _ client.Client = (*Client)(nil)

// open is a backend on an empty store in t's temporary directory, its clock
// stopped at at; nobody is signed in yet.
func open(t testing.TB, pol model.ExpiryPolicy, at time.Time) *Client {
	t.Helper()
	c := openAt(t, filepath.Join(t.TempDir(), "apikeys.db"), pol, at, newGenerator())
	t.Cleanup(c.close)
	return c
}

// openAt is a backend on the store at path; the caller closes it.
func openAt(t testing.TB, path string, pol model.ExpiryPolicy, at time.Time, gen *generator) *Client {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{t: t, st: st, clock: testkit.NewClock(at), gen: gen, path: path, pol: pol}
	c.b = backend.New(backend.Config{Store: st, Clock: c.clock.Now, Policy: pol,
		NewID: gen.newID, NewSecret: gen.newSecret})
	return c
}

func (c *Client) close() {
	_ = c.b.Flush(context.Background())
	c.st.Close()
}

// signIn makes member (id or email) the one the TUI acts as, from now on.
func (c *Client) signIn(member string) {
	c.t.Helper()
	s, err := c.b.SessionFor(context.Background(), member, model.SourceTUI)
	if err != nil {
		c.t.Fatalf("sign in as %s: %v", member, err)
	}
	c.me = s
}

// As is a real session of another member (id or email), to change the workspace
// behind the TUI's back as that member would from their own terminal.
func (c *Client) As(member string) *backend.Session {
	c.t.Helper()
	s, err := c.b.SessionFor(context.Background(), member, model.SourceCLI)
	if err != nil {
		c.t.Fatalf("session for %s: %v", member, err)
	}
	return s
}

// Elsewhere is a real session of member (id or email) on another backend over
// the same SQLite file: another process, as the CLI run from another terminal
// is. Its changes reach the TUI only through the store's change feed.
func (c *Client) Elsewhere(member string) *backend.Session {
	c.t.Helper()
	o := openAt(c.t, c.path, c.pol, c.clock.Now(), c.gen)
	o.clock = c.clock
	o.b = backend.New(backend.Config{Store: o.st, Clock: c.clock.Now, Policy: c.pol, NewID: c.gen.newID, NewSecret: c.gen.newSecret})
	c.t.Cleanup(o.close)
	s, err := o.b.SessionFor(context.Background(), member, model.SourceCLI)
	if err != nil {
		c.t.Fatalf("session elsewhere for %s: %v", member, err)
	}
	return s
}

// Tamper writes to the store directly, in one transaction: for data that got
// past validation somehow, which the TUI must still show safely.
func (c *Client) Tamper(fn func(ctx context.Context, tx store.Tx) error) {
	c.t.Helper()
	ctx := context.Background()
	if err := c.st.Update(ctx, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		c.t.Fatalf("tamper: %v", err)
	}
}

// Key is the stored key with this id, tombstones and replaced keys included.
func (c *Client) Key(id string) (model.Key, bool) {
	k, err := c.st.Key(context.Background(), id)
	return k, err == nil
}

// Keys are every stored key, newest first, tombstones and replaced keys included.
func (c *Client) Keys() []model.Key {
	c.t.Helper()
	ks, err := c.st.Keys(context.Background(), store.KeyQuery{})
	if err != nil {
		c.t.Fatal(err)
	}
	return ks
}

// Member is the stored member with this id or email.
func (c *Client) Member(ref string) (model.Member, bool) {
	m, err := c.b.Member(context.Background(), ref)
	return m, err == nil
}

// SetFail makes every call of method fail with err from now on; nil clears it.
// method is a Client method's name ("CreateKey"), or the name and the id of what
// it acts on ("RotateKey:key_export") to fail only calls about that.
func (c *Client) SetFail(method string, err error) { c.setFail(method, failure{err: err}) }

// FailNext makes the next call of method (named as for SetFail) fail with err.
func (c *Client) FailNext(method string, err error) { c.setFail(method, failure{err: err, once: true}) }

func (c *Client) setFail(method string, f failure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fails == nil {
		c.fails = map[string]failure{}
	}
	if f.err == nil {
		delete(c.fails, method)
		return
	}
	c.fails[method] = f
}

// Hold makes calls of method (named as for SetFail) wait until release is called
// or their context ends, so a test can look at the TUI while a call is in flight.
func (c *Client) Hold(method string) (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds == nil {
		c.holds = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	c.holds[method] = ch
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// inject waits while method (or method:id) is held, then returns the failure
// set for it, if any.
func (c *Client) inject(ctx context.Context, method, id string) error {
	names := []string{method}
	if id != "" {
		names = append(names, method+":"+id)
	}
	for _, n := range names {
		c.mu.Lock()
		ch := c.holds[n]
		c.mu.Unlock()
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range names {
		if f, ok := c.fails[n]; ok {
			if f.once {
				delete(c.fails, n)
			}
			return f.err
		}
	}
	return nil
}
