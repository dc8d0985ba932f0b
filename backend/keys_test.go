package backend_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

func TestCreateKeyExpiryBounds(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		policy model.ExpiryPolicy
		now    time.Time
		date   model.Date
		ok     bool
	}{
		{"today is refused", model.ExpiryPolicy{}, start, model.Date{Year: 2027, Month: 3, Day: 10}, false},
		{"tomorrow is accepted", model.ExpiryPolicy{}, start, model.Date{Year: 2027, Month: 3, Day: 11}, true},
		{"today+366 is accepted", model.ExpiryPolicy{}, start, model.Date{Year: 2028, Month: 3, Day: 10}, true},
		{"today+367 is refused", model.ExpiryPolicy{}, start, model.Date{Year: 2028, Month: 3, Day: 11}, false},
		{"a custom maximum", model.ExpiryPolicy{MaxLifetimeDays: 90}, start, model.Date{Year: 2027, Month: 6, Day: 9}, false},
		// 23:30 UTC on 10 Mar is 08:30 on 11 Mar in Tokyo: there 11 Mar is today.
		{"Tokyo: UTC's tomorrow is today", model.ExpiryPolicy{Location: tokyo}, time.Date(2027, 3, 10, 23, 30, 0, 0, time.UTC), model.Date{Year: 2027, Month: 3, Day: 11}, false},
		{"Tokyo: its tomorrow", model.ExpiryPolicy{Location: tokyo}, time.Date(2027, 3, 10, 23, 30, 0, 0, time.UTC), model.Date{Year: 2027, Month: 3, Day: 12}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.policy)
			e.clock.Set(c.now)
			k, _, err := e.as(model.PrimaryOwner).CreateKey(e.ctx, backend.CreateKeyRequest{Name: "k", Type: model.KeyImport, Expires: c.date})
			if !c.ok {
				wantKind(t, err, model.KindInvalid)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := c.date.Start(c.policy.Loc()); !k.ExpiresAt.Equal(want) {
				t.Fatalf("expires at %v, want the start of %v in %v: %v", k.ExpiresAt, c.date, c.policy.Loc(), want)
			}
		})
	}
}

// TestKeyWorksUntilTheStartOfItsExpirationDay checks the last valid and first
// invalid instants through Authenticate, in a zone with a DST change on the day.
func TestKeyWorksUntilTheStartOfItsExpirationDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		policy model.ExpiryPolicy
		date   model.Date
	}{
		{"UTC", model.ExpiryPolicy{}, model.Date{Year: 2027, Month: 4, Day: 1}},
		{"New York, spring forward day", model.ExpiryPolicy{Location: ny}, model.Date{Year: 2027, Month: 3, Day: 14}},
		{"New York, the day after fall back", model.ExpiryPolicy{Location: ny}, model.Date{Year: 2027, Month: 11, Day: 8}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.policy)
			k, sec, err := e.as(model.PrimaryOwner).CreateKey(e.ctx, backend.CreateKeyRequest{Name: "siem", Type: model.KeyAuditLogs, Expires: c.date})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.policy.ValidThrough(k.ExpiresAt); got != c.date.AddDays(-1) {
				t.Fatalf("valid through %v, want %v", got, c.date.AddDays(-1))
			}
			e.clock.Set(k.ExpiresAt.Add(-time.Microsecond))
			if _, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyAuditLogs, "127.0.0.1"); err != nil {
				t.Fatalf("refused at the last valid instant: %v", err)
			}
			e.clock.Set(k.ExpiresAt)
			_, err = e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyAuditLogs, "127.0.0.1")
			wantKind(t, err, model.KindUnauthenticated)
		})
	}
}

func TestAuthenticateRefusals(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	imp, impSecret := e.createKey("imports", model.KeyImport)
	_, audSecret := e.createKey("siem", model.KeyAuditLogs)
	unknown, _ := model.NewSecret(model.KeyAuditLogs)
	good := audSecret.Reveal()
	flip := byte('A')
	if good[12] == 'A' {
		flip = 'B'
	}
	badSum := good[:12] + string(flip) + good[13:] // one body character off: the checksum no longer matches
	if _, err := e.as(model.PrimaryOwner).DeleteKey(e.ctx, imp.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, impSecret2 := e.createKey("imports 2", model.KeyImport)
	cases := []struct {
		name, key string
		kind      model.Kind
		reason    string
	}{
		{"none", "", model.KindUnauthenticated, "malformed"},
		{"malformed", "hello", model.KindUnauthenticated, "malformed"},
		{"bad checksum", badSum, model.KindUnauthenticated, "malformed"},
		{"unknown", unknown.Reveal(), model.KindUnauthenticated, "unknown"},
		{"deleted", impSecret.Reveal(), model.KindUnauthenticated, "revoked"},
		{"another type", impSecret2.Reveal(), model.KindForbidden, "wrong_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.b.Authenticate(e.ctx, c.key, model.KeyAuditLogs, "10.0.0.1")
			wantKind(t, err, c.kind)
			if c.key != "" && strings.Contains(err.Error(), c.key) {
				t.Fatal("the error repeats the presented key")
			}
			v, err := e.b.Verify(e.ctx, c.key, model.KeyAuditLogs, "10.0.0.1")
			if err != nil || v.Valid || v.Reason != c.reason {
				t.Fatalf("verify: %+v, %v; want reason %s", v, err, c.reason)
			}
		})
	}
	if _, err := e.b.Authenticate(e.ctx, good, model.KeyAuditLogs, "10.0.0.1"); err != nil {
		t.Fatalf("a good key was refused: %v", err)
	}
}

func TestLastUseIsRecordedAtMostOnceAMinute(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("siem", model.KeyAuditLogs)
	use := func(addr string) model.Key {
		t.Helper()
		if _, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyAuditLogs, addr); err != nil {
			t.Fatal(err)
		}
		if err := e.b.Flush(e.ctx); err != nil {
			t.Fatal(err)
		}
		got, err := e.as(model.PrimaryOwner).GetKey(e.ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := use("192.0.2.1")
	if first.LastUsedAt == nil || !first.LastUsedAt.Equal(start) || first.LastUsedAddr != "192.0.2.1" {
		t.Fatalf("first use not recorded: %v %q", first.LastUsedAt, first.LastUsedAddr)
	}
	e.clock.Add(30 * time.Second)
	if again := use("192.0.2.2"); !again.LastUsedAt.Equal(start) {
		t.Fatalf("a use 30s later was written: %v", again.LastUsedAt)
	}
	e.clock.Add(31 * time.Second)
	if later := use("192.0.2.3"); !later.LastUsedAt.Equal(start.Add(61*time.Second)) || later.LastUsedAddr != "192.0.2.3" {
		t.Fatalf("a use 61s later was not written: %v %q", later.LastUsedAt, later.LastUsedAddr)
	}
	if first.Version != k.Version {
		t.Fatal("recording use changed the key's version")
	}
}

func TestEditFromAStaleCopyConflicts(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, _ := e.createKey("billing export", model.KeyExport)
	ana := e.addMember("Ana", model.WorkspaceAdmin)
	anaSession, _ := e.b.SessionFor(e.ctx, ana.ID, model.SourceTUI)
	if _, err := anaSession.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: k.Version, Name: ptr("by Ana")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.as(model.PrimaryOwner).EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: k.Version, Name: ptr("by Olive")})
	wantKind(t, err, model.KindConflict)
	if !strings.Contains(err.Error(), "changed by Ana since you opened it") {
		t.Fatalf("conflict doesn't say who: %v", err)
	}
	got, _ := e.as(model.PrimaryOwner).GetKey(e.ctx, k.ID)
	if got.Name != "by Ana" {
		t.Fatalf("the stale edit overwrote: %q", got.Name)
	}
	_, err = e.as(model.PrimaryOwner).DeleteKey(e.ctx, k.ID, k.Version)
	wantKind(t, err, model.KindConflict)
}

func TestEditRules(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("imports", model.KeyImport)
	k2, err := owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: k.Version, Name: ptr("  nightly imports "), Expires: ptr(e.days(90))})
	if err != nil {
		t.Fatal(err)
	}
	if k2.Name != "nightly imports" || k2.Type != model.KeyImport || k2.Version != k.Version+1 {
		t.Fatalf("edit result %+v", k2)
	}
	evs, err := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventApiKeyUpdated}})
	if err != nil || len(evs.Events) != 1 {
		t.Fatalf("events %v %v", evs, err)
	}
	var p struct {
		Changes map[string]struct{ Old, New any }
	}
	if err := json.Unmarshal(evs.Events[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Changes["name"].Old != "imports" || p.Changes["name"].New != "nightly imports" || p.Changes["expiresAt"].New == nil {
		t.Fatalf("update payload %s", evs.Events[0].Payload)
	}
	_, err = owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Name: ptr("bad\x1b[2Jname")})
	wantKind(t, err, model.KindInvalid)
	for _, d := range []model.Date{e.days(0), e.days(367)} {
		_, err = owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Expires: ptr(d)})
		wantKind(t, err, model.KindInvalid)
	}

	e.clock.Set(k2.ExpiresAt)
	_, err = owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Expires: ptr(e.days(10))})
	wantKind(t, err, model.KindInvalid)
	if !strings.Contains(err.Error(), "rotate") {
		t.Fatalf("an expired key's refusal should point to rotation: %v", err)
	}
	if _, err := owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Name: ptr("renamed after expiry")}); err != nil {
		t.Fatalf("renaming an expired key: %v", err)
	}
}

func TestDeleteLeavesATombstone(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("gone", model.KeyExport)
	if _, err := owner.DeleteKey(e.ctx, k.ID, k.Version); err != nil {
		t.Fatal(err)
	}
	keys, _ := owner.ListKeys(e.ctx, backend.KeyFilter{})
	for _, x := range keys {
		if x.ID == k.ID {
			t.Fatal("a deleted key is still listed")
		}
	}
	tomb, err := owner.GetKey(e.ctx, k.ID)
	if err != nil || tomb.DeletedAt == nil {
		t.Fatalf("tombstone: %+v %v", tomb, err)
	}
	_, err = owner.DeleteKey(e.ctx, k.ID, 0)
	wantKind(t, err, model.KindNotFound)
}

func TestPageTokens(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	for i := range 5 {
		e.createKey("k"+string(rune('a'+i)), model.KeyImport)
	}
	owner := e.as(model.PrimaryOwner)
	seen := map[string]bool{}
	tok := ""
	pages := 0
	for {
		p, err := owner.ListEvents(e.ctx, backend.EventFilter{Limit: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, ev := range p.Events {
			if seen[ev.ID] {
				t.Fatalf("event %s twice", ev.ID)
			}
			seen[ev.ID] = true
		}
		// A new event between pages must not disturb the listing.
		e.createKey("between", model.KeyExport)
		if p.NextPageToken == "" {
			break
		}
		tok = p.NextPageToken
	}
	// 4 members invited + 5 keys created before the first page.
	if len(seen) < 9 || pages < 3 {
		t.Fatalf("saw %d events over %d pages", len(seen), pages)
	}
	for _, bad := range []string{"garbage", tok[:len(tok)-2] + "xx", tok + "A"} {
		_, err := owner.ListEvents(e.ctx, backend.EventFilter{PageToken: bad})
		wantKind(t, err, model.KindInvalid)
	}
	_, err := owner.ListEvents(e.ctx, backend.EventFilter{Limit: 1001})
	wantKind(t, err, model.KindInvalid)
}

// TestDeletedKeyIsRefusedAtOnce: a key that authenticated a moment ago (and so is
// cached) is refused on the very next request after its deletion.
func TestDeletedKeyIsRefusedAtOnce(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, sec := e.createKey("siem", model.KeyAuditLogs)
	if _, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyAuditLogs, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.as(model.PrimaryOwner).DeleteKey(e.ctx, k.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err := e.b.Authenticate(e.ctx, sec.Reveal(), model.KeyAuditLogs, "x")
	wantKind(t, err, model.KindUnauthenticated)
}
