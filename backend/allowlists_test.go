package backend_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

func (e *env) createList(name string, entries ...string) model.AllowList {
	e.t.Helper()
	l, err := e.as(model.PrimaryOwner).CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: name, Entries: entries})
	if err != nil {
		e.t.Fatalf("create list %s: %v", name, err)
	}
	return l.AllowList
}

// TestAllowListPermissions walks SPEC §1's row and its link rule: lists are
// managed by the three admin types; linking a key needs the right to manage
// keys of its type.
func TestAllowListPermissions(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	imp, _ := e.createKey("Import", model.KeyImport)
	aud, _ := e.createKey("Audit", model.KeyAuditLogs)
	for _, at := range model.AccountTypes {
		s := e.as(at)
		want := at == model.PrimaryOwner || at == model.SecurityAdmin || at == model.WorkspaceAdmin
		_, err := s.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "list " + string(at), Entries: []string{"10.0.0.0/8"}})
		if (err == nil) != want {
			t.Errorf("%s creates a list: %v, want allowed=%v", at, err, want)
		}
		if !want && err.Error() != "You need to be a Workspace Admin or Security Admin to manage IP allow lists." {
			t.Errorf("%s refused with %q", at, err)
		}
		if _, err := s.ListAllowLists(e.ctx); (err == nil) != want {
			t.Errorf("%s lists lists: %v", at, err)
		}
	}
	e.createList("office", "198.51.100.0/24")
	for _, c := range []struct {
		at   model.AccountType
		key  model.Key
		want bool
	}{
		{model.PrimaryOwner, imp, true}, {model.PrimaryOwner, aud, true},
		{model.SecurityAdmin, aud, true}, {model.SecurityAdmin, imp, false},
		{model.WorkspaceAdmin, imp, true}, {model.WorkspaceAdmin, aud, false},
		{model.Builder, imp, false}, {model.RegularMember, aud, false},
	} {
		err := e.as(c.at).LinkAllowList(e.ctx, "office", []string{c.key.ID})
		if (err == nil) != c.want {
			t.Errorf("%s links a %s key: %v, want allowed=%v", c.at, c.key.Type, err, c.want)
		}
		if err == nil {
			if err := e.as(c.at).UnlinkAllowList(e.ctx, "office", []string{c.key.ID}); err != nil {
				t.Errorf("%s unlinks: %v", c.at, err)
			}
		}
	}
}

func TestAllowListEdits(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	_, err := owner.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "office", Entries: []string{"10.0.0.5/24"}})
	if err == nil || err.Error() != "10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?" {
		t.Fatalf("host bits: %v", err)
	}
	l := e.createList("Office", "198.51.100.0/24")
	_, err = owner.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "OFFICE", Entries: []string{"10.0.0.0/8"}})
	wantKind(t, err, model.KindConflict)

	got, err := owner.EditAllowList(e.ctx, "office", backend.EditAllowListRequest{AddEntries: []string{"2001:db8::/48"}, RemoveEntries: []string{"198.51.100.0/24"}})
	if err != nil || len(got.Entries) != 1 || got.Entries[0].String() != "2001:db8::/48" || got.Version != 2 {
		t.Fatalf("edit: %+v, %v", got, err)
	}
	_, err = owner.EditAllowList(e.ctx, l.ID, backend.EditAllowListRequest{RemoveEntries: []string{"2001:db8::/48"}})
	wantKind(t, err, model.KindInvalid) // a list keeps at least one entry
	_, err = owner.EditAllowList(e.ctx, l.ID, backend.EditAllowListRequest{Version: 1, Name: ptr("HQ")})
	wantKind(t, err, model.KindConflict)

	page, err := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventIpAllowListUpdated}})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("updated events: %v, %v", page.Events, err)
	}
	p, err := page.Events[0].Decode()
	if err != nil {
		t.Fatal(err)
	}
	up := p.(model.IpAllowListUpdatedPayload)
	if up.Changes.Entries == nil || up.Changes.Entries.Old[0] != "198.51.100.0/24" || up.Changes.Entries.New[0] != "2001:db8::/48" {
		t.Errorf("payload does not hold old and new entries: %+v", up)
	}
}

// TestAllowListsRefuseOutside: a check from outside a key's lists is refused
// with ip_not_allowed and records no use; the default applies to keys without
// lists; each change applies to the next check.
func TestAllowListsRefuseOutside(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, sec := e.createKey("Sync", model.KeyImport)
	_, osec := e.createKey("Other", model.KeyImport)
	verify := func(s model.Secret, addr string) string {
		t.Helper()
		res, err := e.b.Verify(e.ctx, s.Reveal(), model.KeyImport, addr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid {
			return "valid"
		}
		return res.Reason
	}
	if got := verify(sec, "203.0.113.9"); got != "valid" {
		t.Fatalf("no list: %s", got)
	}
	e.createList("office", "198.51.100.0/24")
	if err := owner.LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	if got := verify(sec, "203.0.113.9"); got != backend.ReasonIPNotAllowed {
		t.Errorf("outside its list: %s", got)
	}
	if got := verify(sec, "198.51.100.7"); got != "valid" {
		t.Errorf("inside its list: %s", got)
	}
	if got := verify(sec, "::ffff:198.51.100.7"); got != "valid" {
		t.Errorf("inside its list, IPv4-mapped: %s", got)
	}
	if got := verify(osec, "203.0.113.9"); got != "valid" {
		t.Errorf("a key without lists, no default: %s", got)
	}
	_, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9")
	if !model.IsIPNotAllowed(err) || err.Error() != "This API key can't be used from 203.0.113.9: the key's IP allow lists don't include it." {
		t.Errorf("Authenticate from outside: %v", err)
	}

	e.createList("default", "192.0.2.0/24")
	if err := owner.SetDefaultAllowList(e.ctx, "default"); err != nil {
		t.Fatal(err)
	}
	if got := verify(osec, "203.0.113.9"); got != backend.ReasonIPNotAllowed {
		t.Errorf("the default applies to a key without lists: %s", got)
	}
	if got := verify(osec, "192.0.2.1"); got != "valid" {
		t.Errorf("inside the default: %s", got)
	}
	if got := verify(sec, "192.0.2.1"); got != backend.ReasonIPNotAllowed {
		t.Errorf("own list wins over the default: %s", got)
	}
	if err := owner.UnlinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	if got := verify(sec, "192.0.2.1"); got != "valid" {
		t.Errorf("unlinked, under the default: %s", got)
	}
	if err := owner.SetDefaultAllowList(e.ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := verify(osec, "203.0.113.9"); got != "valid" {
		t.Errorf("no default any more: %s", got)
	}
}

// TestRefusedUseRecordsNoLastUse: a key used only from outside its lists
// stays "never used".
func TestRefusedUseRecordsNoLastUse(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("Sync", model.KeyImport)
	e.createList("office", "198.51.100.0/24")
	if err := e.as(model.PrimaryOwner).LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9"); res.Valid {
		t.Fatal("refused key verified")
	}
	if _, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9"); err == nil {
		t.Fatal("refused key authenticated")
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.as(model.PrimaryOwner).GetKey(e.ctx, k.ID)
	if err != nil || got.LastUsedAt != nil {
		t.Errorf("a refused use was recorded: %v, %v", got.LastUsedAt, err)
	}
}

func TestAllowListAuditEvents(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("Sync", model.KeyImport)
	l := e.createList("office", "198.51.100.0/24")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(owner.LinkAllowList(e.ctx, "office", []string{k.ID}))
	must(owner.LinkAllowList(e.ctx, "office", []string{k.ID})) // no change: no event
	must(owner.SetDefaultAllowList(e.ctx, l.ID))
	must(owner.DeleteAllowList(e.ctx, "office"))
	page, err := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{
		model.EventIpAllowListCreated, model.EventApiKeyAllowListsChanged, model.EventDefaultIpAllowListChanged, model.EventIpAllowListDeleted}})
	if err != nil {
		t.Fatal(err)
	}
	var types []model.EventType
	for i := len(page.Events) - 1; i >= 0; i-- {
		types = append(types, page.Events[i].Type)
	}
	want := []model.EventType{model.EventIpAllowListCreated, model.EventApiKeyAllowListsChanged, model.EventDefaultIpAllowListChanged, model.EventIpAllowListDeleted}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	p, _ := page.Events[0].Decode()
	del := p.(model.IpAllowListDeletedPayload)
	if !del.WasDefault || len(del.KeyIDs) != 1 || del.KeyIDs[0] != k.ID {
		t.Errorf("deleted payload: %+v", del)
	}
	p, _ = page.Events[2].Decode()
	ch := p.(model.ApiKeyAllowListsChangedPayload)
	if len(ch.AllowLists.Old) != 0 || len(ch.AllowLists.New) != 1 || ch.AllowLists.New[0].Name != "office" {
		t.Errorf("link payload: %+v", ch)
	}
}

// allowCountingStore counts the allow-list reads a check could make.
type allowCountingStore struct {
	*countingStore
	keyLists atomic.Int64
}

func (c *allowCountingStore) KeyAllowListIDs(ctx context.Context, keyID string) ([]string, error) {
	c.keyLists.Add(1)
	return c.countingStore.KeyAllowListIDs(ctx, keyID)
}

// TestAllowCheckReadsNoStoreOnceLoaded: with the index loaded, a check of a
// restricted key reads nothing; during a feed cut it reads the key's lists,
// so a change made meanwhile elsewhere can't be missed.
func TestAllowCheckReadsNoStoreOnceLoaded(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("Sync", model.KeyImport)
	e.createList("office", "198.51.100.0/24")
	if err := e.as(model.PrimaryOwner).LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &allowCountingStore{countingStore: &countingStore{Store: st}}
	b := backend.New(backend.Config{Store: cs, Clock: e.clock.Now})
	if err := b.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	reason := func(addr string) string {
		res, err := b.Verify(e.ctx, sec.Reveal(), model.KeyImport, addr)
		if err != nil {
			t.Fatal(err)
		}
		return res.Reason
	}
	for range 10 {
		if got := reason("203.0.113.9"); got != backend.ReasonIPNotAllowed {
			t.Fatalf("outside: %q", got)
		}
	}
	if n := cs.keyLists.Load(); n != 0 {
		t.Errorf("loaded index: %d store reads of a key's lists", n)
	}
	cs.inject(store.Notice{Kind: store.NoticeCut})
	if got := reason("203.0.113.9"); got != backend.ReasonIPNotAllowed || cs.keyLists.Load() != 1 {
		t.Errorf("during a cut: %q after %d reads, want the refusal from one read", got, cs.keyLists.Load())
	}
}

// TestAllowListChangeByAnotherProcess: a link made through another handle on
// the same SQLite file (the CLI beside a running serve) reaches this
// backend's checks through the file's change feed.
func TestAllowListChangeByAnotherProcess(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("Sync", model.KeyImport)
	st, err := sqlite.Open(e.ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	serve := backend.New(backend.Config{Store: st, Clock: e.clock.Now})
	if err := serve.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	reason := func() string {
		res, err := serve.Verify(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9")
		if err != nil {
			t.Fatal(err)
		}
		return res.Reason
	}
	if got := reason(); got != "" {
		t.Fatalf("before any list: %q", got)
	}
	e.createList("office", "198.51.100.0/24")
	if err := e.as(model.PrimaryOwner).LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, "the other handle to refuse the key", func() bool { return reason() == backend.ReasonIPNotAllowed })
	t.Logf("refused by the other handle after %v", time.Since(start))
}

// TestRotationKeepsAllowLists: the new key of a rotation is restricted as the
// old one was, from the moment it exists.
func TestRotationKeepsAllowLists(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("Sync", model.KeyImport)
	e.createList("office", "198.51.100.0/24")
	if err := owner.LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 0})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{"203.0.113.9": backend.ReasonIPNotAllowed, "198.51.100.7": ""} {
		res, err := e.b.Verify(e.ctx, rot.Secret.Reveal(), model.KeyImport, addr)
		if err != nil || res.Reason != want {
			t.Errorf("the rotated key from %s: %+v, %v; want reason %q", addr, res, err, want)
		}
	}
}

// TestAllowRangesSurviveIndexChanges: the ranges ride in the key index entry,
// so an edit of the key (a new entry) and a full reload of the index (a
// resync) must keep them.
func TestAllowRangesSurviveIndexChanges(t *testing.T) {
	e, cs := indexEnv(t)
	owner, err := e.b.SessionFor(e.ctx, e.members[model.PrimaryOwner].ID, model.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	k, sec, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "Sync", Type: model.KeyImport, Expires: e.days(30)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "office", Entries: []string{"198.51.100.0/24"}}); err != nil {
		t.Fatal(err)
	}
	if err := owner.LinkAllowList(e.ctx, "office", []string{k.ID}); err != nil {
		t.Fatal(err)
	}
	refusedOutside := func(when string) {
		t.Helper()
		res, err := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "203.0.113.9")
		if err != nil || res.Reason != backend.ReasonIPNotAllowed {
			t.Fatalf("%s: %+v, %v", when, res, err)
		}
	}
	refusedOutside("linked")
	if _, err := owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Name: ptr("Sync v2")}); err != nil {
		t.Fatal(err)
	}
	refusedOutside("after an edit of the key")
	cs.inject(store.Notice{Kind: store.NoticeResync})
	testkit.Eventually(t, "the reload after a resync", func() bool {
		res, _ := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "198.51.100.7")
		return res.Valid
	})
	if err := e.b.PrepareChecks(e.ctx); err != nil {
		t.Fatal(err)
	}
	refusedOutside("after a full reload of the index")
}
