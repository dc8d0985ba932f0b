package httpapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// FuzzParseEventQuery: whatever the query string, parseEventQuery doesn't
// panic; what it refuses it says in words safe for a terminal that never
// hold a secret (the message goes back to the client and into logs); what it
// takes keeps actorId, keyId and pageToken as sent, and a window and limit
// within the API's bounds.
func FuzzParseEventQuery(f *testing.F) {
	for _, q := range []string{"", "limit=10", "from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z", "eventType=ApiKeyCreated,ApiKeyDeleted",
		"actorId=mem_1&keyId=key_1&pageToken=abc", "x%1b=1", "actorId=&keyId=", "eventType=%C2%9B31m", "limit=1001", "a=%zz",
		"actorId=a&actorId=b", "apk_imp_abcdefghijklmnopqrstuvwxyz0123=1"} {
		f.Add(q)
	}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		flt, err := parseEventQuery(raw, now)
		if err != nil {
			msg := err.Error()
			if model.KindOf(err) != model.KindInvalid || model.Sanitize(msg) != msg || model.Redact(msg) != msg {
				t.Fatalf("%q: refused with %q (kind %v)", raw, msg, model.KindOf(err))
			}
			return
		}
		q, _ := url.ParseQuery(raw)
		for name, got := range map[string]string{"actorId": flt.Actor, "keyId": flt.Key, "pageToken": flt.PageToken} {
			if want := q.Get(name); got != want {
				t.Fatalf("%q: %s read as %q, sent %q", raw, name, got, want)
			}
		}
		if flt.Limit < 1 || flt.Limit > model.MaxEventPageSize || (!flt.To.IsZero() && flt.To.Before(flt.From)) {
			t.Fatalf("%q: taken as limit %d, from %v to %v", raw, flt.Limit, flt.From, flt.To)
		}
	})
}
