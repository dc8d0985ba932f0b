package backend_test

import (
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// TestDryRunRelinkJudgesTheResult: a key moved from one list to another in one
// step is judged on where it ends up, and nothing changes.
func TestDryRunRelinkJudgesTheResult(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	a, secA := e.createKey("A", model.KeyImport)
	for _, addr := range []string{"192.0.2.1", "198.51.100.7"} {
		e.verifyFrom(secA, addr)
	}
	e.addresses(a.ID) // flushed
	e.createList("office", "192.0.2.0/24")
	e.createList("lab", "198.51.100.0/24")
	e.createList("both", "192.0.2.0/24", "198.51.100.0/24")
	s := e.as(model.PrimaryOwner)
	if err := s.LinkAllowList(e.ctx, "both", []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		steps []backend.Relink
		want  string // the one address refused, "" none
	}{
		{"both → office", []backend.Relink{{List: "office", KeyIDs: []string{a.ID}, Link: true}, {List: "both", KeyIDs: []string{a.ID}}}, "198.51.100.7"},
		{"both → office and lab", []backend.Relink{{List: "office", KeyIDs: []string{a.ID}, Link: true},
			{List: "lab", KeyIDs: []string{a.ID}, Link: true}, {List: "both", KeyIDs: []string{a.ID}}}, ""},
		{"drop both: no list, no default", []backend.Relink{{List: "both", KeyIDs: []string{a.ID}}}, ""},
	} {
		rs, err := s.DryRunRelink(e.ctx, c.steps)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ""
		for _, r := range rs {
			for _, x := range r.Refused {
				got += x.Addr
			}
		}
		if got != c.want {
			t.Errorf("%s: refused %q, want %q", c.name, got, c.want)
		}
	}
	if l, err := s.GetAllowList(e.ctx, "both"); err != nil || len(l.KeyIDs) != 1 {
		t.Errorf("a dry run changed the links: %+v, %v", l, err)
	}
	if _, err := s.DryRunRelink(e.ctx, []backend.Relink{{List: "office"}}); model.KindOf(err) != model.KindInvalid {
		t.Errorf("no keys: %v, want invalid", err)
	}
}

// TestDryRunNamesOnlyWhatTheChangeRefuses: an address the key is refused from
// already is no news of a change that narrows it further.
func TestDryRunNamesOnlyWhatTheChangeRefuses(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	a, secA := e.createKey("A", model.KeyImport)
	for _, addr := range []string{"192.0.2.1", "192.0.2.2"} {
		e.verifyFrom(secA, addr)
	}
	e.addresses(a.ID) // flushed
	e.createList("one", "192.0.2.1/32")
	s := e.as(model.PrimaryOwner)
	if err := s.LinkAllowList(e.ctx, "one", []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.DryRunEditAllowList(e.ctx, "one", backend.EditAllowListRequest{AddEntries: []string{"10.0.0.1"}, RemoveEntries: []string{"192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || len(rs[0].Refused) != 1 || rs[0].Refused[0].Addr != "192.0.2.1" {
		t.Errorf("refused %+v, want only 192.0.2.1 (192.0.2.2 is refused already)", rs)
	}
}

// TestDryRunDeleteAllowList: deleting a list narrows the keys that lose one of
// several lists, and those it leaves under a narrower default; it widens those
// it leaves with none (no default) and those under a deleted default. The dry
// run names only the first two, and changes nothing.
func TestDryRunDeleteAllowList(t *testing.T) {
	for _, c := range []struct {
		name    string
		linkTo  []string // the key's own lists
		def     string   // the default list, "" none
		deleted string
		want    string // the address refused, "" none
	}{
		{"one of two lists: its addresses refused", []string{"office", "lab"}, "", "lab", "198.51.100.7"},
		{"its only list, no default: anywhere", []string{"lab"}, "", "lab", ""},
		{"its only list, under a narrower default", []string{"lab"}, "office", "lab", "198.51.100.7"},
		{"its only list, under a default that holds both", []string{"lab"}, "both", "lab", ""},
		{"the default it falls under: anywhere", nil, "office", "office", ""},
		{"a list it is not on", []string{"both"}, "", "lab", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, model.ExpiryPolicy{})
			k, sec := e.createKey("A", model.KeyImport)
			for _, addr := range []string{"192.0.2.1", "198.51.100.7"} {
				e.verifyFrom(sec, addr)
			}
			e.addresses(k.ID) // flushed
			e.createList("office", "192.0.2.0/24")
			e.createList("lab", "198.51.100.0/24")
			e.createList("both", "192.0.2.0/24", "198.51.100.0/24")
			s := e.as(model.PrimaryOwner)
			for _, l := range c.linkTo {
				if err := s.LinkAllowList(e.ctx, l, []string{k.ID}); err != nil {
					t.Fatal(err)
				}
			}
			if c.def != "" {
				if err := s.SetDefaultAllowList(e.ctx, c.def); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := s.DryRunDeleteAllowList(e.ctx, c.deleted)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, r := range rs {
				if r.Key.ID != k.ID {
					t.Errorf("names key %s", r.Key.ID)
				}
				for _, x := range r.Refused {
					got += x.Addr
				}
			}
			if got != c.want {
				t.Errorf("refused %q, want %q", got, c.want)
			}
			if _, err := s.GetAllowList(e.ctx, c.deleted); err != nil {
				t.Errorf("the dry run deleted the list: %v", err)
			}
			page, err := s.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventIpAllowListDeleted}})
			if err != nil || len(page.Events) != 0 {
				t.Errorf("the dry run left events %+v, %v", page.Events, err)
			}
		})
	}
}

// TestDryRunDeleteAllowListChecksLikeTheDelete: the dry run is refused as the
// delete would be (permission, unknown list).
func TestDryRunDeleteAllowListChecksLikeTheDelete(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	e.createList("office", "192.0.2.0/24")
	if _, err := e.as(model.PrimaryOwner).DryRunDeleteAllowList(e.ctx, "nowhere"); model.KindOf(err) != model.KindNotFound {
		t.Errorf("unknown list: %v, want not found", err)
	}
	if _, err := e.as(model.Builder).DryRunDeleteAllowList(e.ctx, "office"); model.KindOf(err) != model.KindForbidden {
		t.Errorf("a Builder: %v, want forbidden", err)
	}
}
