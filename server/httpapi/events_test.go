package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

func TestEventsAuthentication(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	_, imp := e.createKey("Importer", model.KeyImport)
	unknown, err := model.NewSecret(model.KeyAuditLogs)
	if err != nil {
		t.Fatal(err)
	}
	badSum := audit[:len(audit)-1] + flip(audit[len(audit)-1])

	tests := []struct {
		name   string
		header []string
		status int
		code   string
	}{
		{"no header", nil, 401, "unauthenticated"},
		{"basic scheme", []string{"Authorization: Basic " + audit}, 401, "unauthenticated"},
		{"bearer without token", []string{"Authorization: Bearer "}, 401, "unauthenticated"},
		{"two headers", []string{"Authorization: Bearer " + audit, "Authorization: Bearer " + audit}, 401, "unauthenticated"},
		{"garbage", []string{"Authorization: Bearer hello"}, 401, "unauthenticated"},
		{"bad checksum", []string{"Authorization: Bearer " + badSum}, 401, "unauthenticated"},
		{"unknown key", []string{"Authorization: Bearer " + unknown.Reveal()}, 401, "unauthenticated"},
		{"import key", []string{"Authorization: Bearer " + imp}, 403, "forbidden"},
		{"audit-logs key", []string{"Authorization: Bearer " + audit}, 200, ""},
		{"lower-case scheme", []string{"Authorization: bearer " + audit}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(http.MethodGet, "/api/v1/audit-logs/events", nil, tt.header...)
			if tt.status == 200 {
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				var p eventPage
				r.json(t, &p)
				if p.Events == nil {
					t.Fatalf("events missing or null: %s", r.body)
				}
				return
			}
			msg := r.wantError(t, tt.status, tt.code)
			if strings.Contains(msg, "apk_") {
				t.Errorf("error message echoes a key: %q", msg)
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge: %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestEventsQueryErrors(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	now := e.clock.Now()
	ts := func(d time.Duration) string { return url.QueryEscape(now.Add(d).Format(time.RFC3339Nano)) }

	// A real token, then the same token with one character changed.
	for i := range 3 {
		e.createKey(fmt.Sprintf("k%d", i), model.KeyImport)
	}
	var p eventPage
	e.events(audit, "limit=1").json(t, &p)
	if p.NextPageToken == nil {
		t.Fatal("no nextPageToken with more events than the limit")
	}
	tok := *p.NextPageToken
	tampered := tok[:len(tok)/2] + flip(tok[len(tok)/2]) + tok[len(tok)/2+1:]

	tests := []struct {
		query string
		want  string // in the message
	}{
		{"from=yesterday", "RFC 3339"},
		{"to=2027-03-10", "RFC 3339"},
		{"from=" + ts(-180*24*time.Hour-time.Second), "180 days"},
		{"to=" + ts(-181*24*time.Hour), "180 days"}, // from defaults to 24 h before it
		{"from=" + ts(-time.Hour) + "&to=" + ts(-2*time.Hour), "before"},
		{"limit=0", "1 to 1000"},
		{"limit=1001", "1 to 1000"},
		{"limit=ten", "1 to 1000"},
		{"limit=1&limit=2", "more than once"},
		{"pageToken=garbage", "pageToken"},
		{"pageToken=" + url.QueryEscape(tampered), "pageToken"},
		{"pageToken=", "pageToken"},
		{"eventType=ApiKeyExploded", "ApiKeyCreated"},
		{"eventType=ApiKeyCreated,", "eventType"},
		{"pagetoken=" + url.QueryEscape(tok), "Unknown query parameter"},
		{"from=%zz", "URL"},
		{"actorId=", "actorId is empty"},
		{"keyId=", "keyId is empty"},
		{"keyId=key_1&keyId=key_2", "more than once"},
		{"keyId=key_other&pageToken=" + url.QueryEscape(tok), "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			msg := e.events(audit, tt.query).wantError(t, 400, "invalid_request")
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not mention %q", msg, tt.want)
			}
		})
	}

	// The edges that are allowed.
	for _, q := range []string{
		"from=" + ts(-180*24*time.Hour),
		"from=" + ts(-time.Hour) + "&to=" + ts(-time.Hour),
		"limit=1", "limit=1000",
		"eventType=apikeycreated", "eventType=ApiKeyCreated,UserInvited", "eventType=ApiKeyCreated&eventType=UserInvited",
		"pageToken=" + url.QueryEscape(tok),
	} {
		if r := e.events(audit, q); r.status != 200 {
			t.Errorf("%s: status %d: %s", q, r.status, r.body)
		}
	}
	// The query is checked after the key: no key, no hints.
	e.do(http.MethodGet, "/api/v1/audit-logs/events?limit=0", nil).wantError(t, 401, "unauthenticated")
}

func TestEventsFilterAndDefaults(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	auditKey, audit := e.createKey("SIEM", model.KeyAuditLogs)
	// An event from 25 hours ago: outside the default range, inside an explicit one.
	old := appendEvents(t, e, e.clock.Now().Add(-25*time.Hour), 1, model.EventUserDeactivated)

	var p eventPage
	e.events(audit, "").json(t, &p)
	if len(p.Events) == 0 || p.NextPageToken != nil {
		t.Fatalf("default page: %d events, token %v", len(p.Events), p.NextPageToken)
	}
	for _, ev := range p.Events {
		if ev.ID == old[0] {
			t.Errorf("event of 25 h ago in the default 24 h range")
		}
	}
	// The key's own ApiKeyCreated event: a new audit key's first call sees its
	// own creation.
	if first := p.Events[0]; first.Type != model.EventApiKeyCreated || !strings.Contains(string(first.Payload), auditKey.ID) {
		t.Errorf("newest event %s %s, want the audit key's ApiKeyCreated", first.Type, first.Payload)
	}

	from := url.QueryEscape(e.clock.Now().Add(-26 * time.Hour).Format(time.RFC3339))
	e.events(audit, "eventType=UserDeactivated&from="+from).json(t, &p)
	if len(p.Events) != 1 || p.Events[0].ID != old[0] {
		t.Fatalf("filtered page %+v, want only %s", p.Events, old[0])
	}

	// By key and by actor: the audit key's creation, by the one who made it.
	e.events(audit, "keyId="+url.QueryEscape(auditKey.ID)).json(t, &p)
	if len(p.Events) != 1 || p.Events[0].Type != model.EventApiKeyCreated {
		t.Fatalf("events about the audit key: %+v, want its creation only", p.Events)
	}
	creator := p.Events[0].Actor.ID
	e.events(audit, "actorId="+url.QueryEscape(creator)+"&keyId="+url.QueryEscape(auditKey.ID)).json(t, &p)
	if len(p.Events) != 1 {
		t.Fatalf("events by %s about the audit key: %d, want 1", creator, len(p.Events))
	}
	e.events(audit, "actorId=mem_nobody&keyId="+url.QueryEscape(auditKey.ID)).json(t, &p)
	if len(p.Events) != 0 {
		t.Fatalf("events by nobody: %d, want none", len(p.Events))
	}
}

// appendEvents writes n events straight to the store, all ingested at `at`, and
// returns their ids.
func appendEvents(t testing.TB, e *env, at time.Time, n int, typ model.EventType) []string {
	t.Helper()
	ids := make([]string, n)
	err := e.st.Update(e.ctx, func(tx store.Tx) error {
		for i := range ids {
			ids[i] = model.NewID("evt")
			if err := tx.AppendEvent(e.ctx, model.AuditEvent{
				ID: ids[i], Type: typ, EventTimestamp: at, IngestionTimestamp: at,
				Actor: model.Actor{Type: model.ActorSystem, ID: "system", Name: "test"}, Source: model.SourceCLI,
				Payload: []byte(`{"n":` + fmt.Sprint(i) + `}`),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestEventsPaginationWhileWriting(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	// 25 events in three instants, so that ties in ingestion time fall across
	// page boundaries and the id must break them.
	base := e.clock.Now().Add(-time.Hour)
	var want []string
	for i, n := range []int{9, 8, 8} {
		want = append(want, appendEvents(t, e, base.Add(time.Duration(i)*time.Minute), n, model.EventSshKeyRemoved)...)
	}
	from := url.QueryEscape(base.Format(time.RFC3339))
	first := "eventType=SshKeyRemoved&limit=10&from=" + from
	query := first

	seen := map[string]int{}
	var order []model.AuditEvent
	pages := 0
	for {
		var p eventPage
		r := e.events(audit, query)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages+1, r.status, r.body)
		}
		r.json(t, &p)
		pages++
		for _, ev := range p.Events {
			seen[ev.ID]++
			order = append(order, ev)
		}
		// New events between the calls: newer than anything listed, so they
		// belong to a later listing, not to a later page of this one.
		e.clock.Add(time.Second)
		appendEvents(t, e, e.clock.Now(), 3, model.EventSshKeyRemoved)
		if p.NextPageToken == nil {
			break
		}
		// As a client does: the same query, plus the token.
		query = first + "&pageToken=" + url.QueryEscape(*p.NextPageToken)
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3 (25 events by 10)", pages)
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d distinct events, want %d", len(seen), len(want))
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("event %s seen %d times, want once", id, seen[id])
		}
	}
	for i := 1; i < len(order); i++ {
		a, b := order[i-1], order[i]
		if a.IngestionTimestamp.Before(b.IngestionTimestamp) ||
			(a.IngestionTimestamp.Equal(b.IngestionTimestamp) && a.ID < b.ID) {
			t.Errorf("not newest first at %d: %s %s then %s %s", i, a.IngestionTimestamp, a.ID, b.IngestionTimestamp, b.ID)
		}
	}
}

func TestEventsJSONShape(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	r := e.events(audit, "limit=1")
	var raw struct {
		Events        []map[string]any `json:"events"`
		NextPageToken string           `json:"nextPageToken"`
	}
	r.json(t, &raw)
	if len(raw.Events) != 1 || raw.NextPageToken == "" {
		t.Fatalf("want one event and a token: %s", r.body)
	}
	for _, field := range []string{"eventId", "eventType", "eventTimestamp", "ingestionTimestamp", "actor", "source", "payload"} {
		if _, ok := raw.Events[0][field]; !ok {
			t.Errorf("event lacks %q: %v", field, raw.Events[0])
		}
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store for audit data", cc)
	}
	// The last page has no token at all, not an empty one.
	r = e.events(audit, "limit=1000")
	if strings.Contains(string(r.body), "nextPageToken") {
		t.Errorf("last page carries a token: %s", r.body)
	}
}

func TestDeletedKeyRefusedAtOnce(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	k, audit := e.createKey("SIEM", model.KeyAuditLogs)
	if r := e.events(audit, ""); r.status != 200 {
		t.Fatalf("before delete: %d %s", r.status, r.body)
	}
	if _, err := e.owner.DeleteKey(e.ctx, k.ID, 0); err != nil {
		t.Fatal(err)
	}
	msg := e.events(audit, "").wantError(t, 401, "unauthenticated")
	if !strings.Contains(msg, "deleted") {
		t.Errorf("message %q does not say the key was deleted", msg)
	}
	var v verdict
	e.verify(verifyBody(audit, model.KeyAuditLogs)).json(t, &v)
	if v.Valid || v.Reason != backend.ReasonRevoked {
		t.Errorf("verify after delete: %+v, want revoked", v)
	}
}

func TestExpiredKeyRefusedAtFirstInvalidInstant(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	k, audit := e.createKey("SIEM", model.KeyAuditLogs)

	e.clock.Set(k.ExpiresAt.Add(-time.Microsecond)) // the last valid instant
	if r := e.events(audit, ""); r.status != 200 {
		t.Fatalf("at the last valid instant: %d %s", r.status, r.body)
	}
	var v verdict
	e.verify(verifyBody(audit, model.KeyAuditLogs)).json(t, &v)
	if !v.Valid {
		t.Fatalf("verify at the last valid instant: %+v", v)
	}

	e.clock.Set(k.ExpiresAt) // the first invalid one
	msg := e.events(audit, "").wantError(t, 401, "unauthenticated")
	if !strings.Contains(msg, "expired") {
		t.Errorf("message %q does not say the key expired", msg)
	}
	e.verify(verifyBody(audit, model.KeyAuditLogs)).json(t, &v)
	if v.Valid || v.Reason != backend.ReasonExpired {
		t.Errorf("verify at expiry: %+v, want expired", v)
	}
}

func TestUseIsRecorded(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	k, audit := e.createKey("SIEM", model.KeyAuditLogs)
	e.clock.Add(time.Hour)
	if r := e.events(audit, ""); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.Key(e.ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(e.clock.Now()) || got.LastUsedAddr != "127.0.0.1" {
		t.Errorf("last used %v from %q, want %v from 127.0.0.1", got.LastUsedAt, got.LastUsedAddr, e.clock.Now())
	}
}
