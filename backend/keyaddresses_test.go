package backend_test

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

func (e *env) verifyFrom(sec model.Secret, addr string) {
	e.t.Helper()
	if res, err := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, addr); err != nil || !res.Valid {
		e.t.Fatalf("verify from %s: %+v, %v", addr, res, err)
	}
}

func (e *env) addresses(keyID string) map[string]int64 {
	e.t.Helper()
	if err := e.b.Flush(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	as, err := e.as(model.PrimaryOwner).KeyAddresses(e.ctx, keyID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, a := range as {
		out[a.Addr] = a.Uses
	}
	return out
}

// TestKeyAddressesRecordEachAddress: a second address within the minute of the
// first use is recorded too (it used to be lost: one use per key a minute), each
// (key, address) at most once a minute; a refused use records no address.
func TestKeyAddressesRecordEachAddress(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("Sync", model.KeyImport)
	e.verifyFrom(sec, "192.0.2.1")
	e.verifyFrom(sec, "192.0.2.2")
	e.verifyFrom(sec, "192.0.2.1") // within the minute: not again
	e.verifyFrom(sec, "::ffff:192.0.2.2")
	if got := e.addresses(k.ID); len(got) != 2 || got["192.0.2.1"] != 1 || got["192.0.2.2"] != 1 {
		t.Errorf("addresses after one minute of uses: %v; want 192.0.2.1 and 192.0.2.2 once each", got)
	}
	e.clock.Add(2 * time.Minute)
	e.verifyFrom(sec, "192.0.2.1")
	if got := e.addresses(k.ID); got["192.0.2.1"] != 2 {
		t.Errorf("192.0.2.1 a minute later: %d uses, want 2", got["192.0.2.1"])
	}

	e.createList("office", "192.0.2.1/32")
	if err := e.as(model.PrimaryOwner).LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Minute)
	if res, _ := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9"); res.Valid {
		t.Fatal("refused key verified")
	}
	if got := e.addresses(k.ID); len(got) != 2 {
		t.Errorf("a refused use recorded an address: %v", got)
	}
	for _, at := range model.AccountTypes { // whoever may see the key
		_, see := e.as(at).GetKey(e.ctx, k.ID)
		if _, err := e.as(at).KeyAddresses(e.ctx, k.ID); (err == nil) != (see == nil) {
			t.Errorf("%s reads the addresses: %v; reads the key: %v", at, err, see)
		}
	}
}

// TestDryRunNarrowing walks each narrowing change: the dry run names the keys
// and addresses the change would refuse, and changes nothing.
func TestDryRunNarrowing(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	a, secA := e.createKey("A", model.KeyImport)
	b, secB := e.createKey("B", model.KeyImport)
	for _, addr := range []string{"192.0.2.1", "198.51.100.7"} {
		e.verifyFrom(secA, addr)
		e.verifyFrom(secB, addr)
	}
	e.addresses(a.ID) // flushed
	e.createList("office", "192.0.2.0/24")
	e.createList("wide", "0.0.0.0/0")
	s := e.as(model.PrimaryOwner)
	refused := func(rs []backend.RefusedKey, err error) map[string][]string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, r := range rs {
			for _, x := range r.Refused {
				out[r.Key.Name] = append(out[r.Key.Name], x.Addr)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		run  func() ([]backend.RefusedKey, error)
		want map[string][]string
	}{
		{"link A to office", func() ([]backend.RefusedKey, error) { return s.DryRunLinkAllowList(e.ctx, "office", []string{a.ID}) },
			map[string][]string{"A": {"198.51.100.7"}}},
		{"link A to wide", func() ([]backend.RefusedKey, error) { return s.DryRunLinkAllowList(e.ctx, "wide", []string{a.ID}) },
			map[string][]string{}},
		{"default office", func() ([]backend.RefusedKey, error) { return s.DryRunSetDefaultAllowList(e.ctx, "office") },
			map[string][]string{"A": {"198.51.100.7"}, "B": {"198.51.100.7"}}},
		{"edit wide to nothing useful", func() ([]backend.RefusedKey, error) {
			return s.DryRunEditAllowList(e.ctx, "wide", backend.EditAllowListRequest{AddEntries: []string{"10.0.0.0/8"}, RemoveEntries: []string{"0.0.0.0/0"}})
		}, map[string][]string{}}, // no key is under wide
	} {
		got := refused(c.run())
		if len(got) != len(c.want) {
			t.Errorf("%s: refused %v, want %v", c.name, got, c.want)
		}
		for k, w := range c.want {
			if len(got[k]) != len(w) || got[k][0] != w[0] {
				t.Errorf("%s: refused %v, want %v", c.name, got, c.want)
			}
		}
	}
	// Nothing was changed: no link, no default, the list as it was.
	if m, err := s.KeyAllowLists(e.ctx); err != nil || len(m) != 0 {
		t.Errorf("a dry run linked keys: %v, %v", m, err)
	}
	l, err := s.GetAllowList(e.ctx, "wide")
	if err != nil || l.Default || l.Version != 1 {
		t.Errorf("a dry run changed a list: %+v, %v", l, err)
	}
	// Linked and then narrowed by an edit: the dry run sees the key through its list.
	if err := s.LinkAllowList(e.ctx, "wide", []string{b.ID}); err != nil {
		t.Fatal(err)
	}
	got := refused(s.DryRunEditAllowList(e.ctx, "wide", backend.EditAllowListRequest{AddEntries: []string{"198.51.100.0/24"}, RemoveEntries: []string{"0.0.0.0/0"}}))
	if len(got) != 1 || len(got["B"]) != 1 || got["B"][0] != "192.0.2.1" {
		t.Errorf("edit of B's list: refused %v, want B from 192.0.2.1", got)
	}
	// The dry run needs the change's own permission.
	if _, err := e.as(model.RegularMember).DryRunSetDefaultAllowList(e.ctx, "office"); err == nil {
		t.Error("a regular member ran a dry run of setting the default")
	}
}
