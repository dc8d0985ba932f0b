package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// hostileStrings are what names, emails and stored payloads may hold: every
// byte encoding/json escapes, HTML, invalid UTF-8, the JavaScript line breaks,
// something shaped like a secret.
var hostileStrings = []string{
	"", "Olive Owner", `quote " and \ backslash`, "\b\f\n\r\t\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "\xff\xfe broken \xc3", "line\u2028sep\u2029para",
	"ünïcødé 🔑 日本", "apk_imp_Ab3xQ9fQzAb3xQ9fQzAb3xQ9fQz", "\x1b[31mred\x1b[0m",
}

// samplePage has one event of every type with a typed payload, events whose
// payloads are legacy, empty, unknown or not an object, and hostile text in
// every string field.
func samplePage() []model.AuditEvent {
	at := time.Date(2027, 3, 10, 15, 4, 5, 123456000, time.FixedZone("CET", 3600))
	var evs []model.AuditEvent
	add := func(typ model.EventType, payload string, s string) {
		evs = append(evs, model.AuditEvent{
			ID: "evt_" + s, Type: typ, EventTimestamp: at, IngestionTimestamp: at.Add(time.Second),
			Actor:  model.Actor{Type: model.ActorMember, ID: "mem_" + s, Name: s, Email: s},
			Source: model.Source(s), Payload: json.RawMessage(payload),
		})
	}
	for i, s := range hostileStrings {
		key := model.KeyRef{KeyID: "key_" + s, Name: s, Type: model.KeyImport}
		user := model.UserRef{UserID: "mem_" + s, UserName: s, UserEmail: s}
		exp := at.Add(time.Duration(i) * time.Hour)
		for _, p := range []model.Payload{
			model.ApiKeyCreatedPayload{KeyRef: key, Hint: s, ExpiresAt: exp},
			model.ApiKeyDeletedPayload{KeyRef: key, Hint: s, ExpiresAt: exp},
			model.ApiKeyUpdatedPayload{KeyRef: key, Changes: model.KeyChanges{Name: &model.Change[string]{Old: s, New: s + "2"}}},
			model.ApiKeyRotatedPayload{KeyRef: key, NewKeyID: s, NewHint: s, NewExpiresAt: exp, GraceEndsAt: exp},
			model.UserInvitedPayload{UserRef: user, AccountType: model.AccountType(s)},
			model.UserDeactivatedPayload{UserRef: user},
			model.SshSessionStartedPayload{UserRef: user, Fingerprint: s, RemoteAddress: s},
		} {
			typ, raw, err := model.EncodePayload(p)
			if err != nil {
				panic(err)
			}
			add(typ, string(raw), s)
		}
		add(model.EventApiKeyCreated, `{ "name" : "legacy, spaced", "extra": [1, 2] }`, s)
		add(model.EventUserReactivated, ``, s)
		add(model.EventType("SomethingNew"), `{"a": 1}`, s)
		add(model.EventApiKeyDeleted, `[1, 2]`, s)
		add(model.EventSshKeyAdded, `{"userName": "<b>", "fingerprint": "SHA256:x"}`, s)
	}
	evs[3].Actor.Email = "" // omitted
	return evs
}

// writeJSONOfPage is what the handler wrote before writeEventPage: the contract
// type through writeJSON.
func writeJSONOfPage(evs []model.AuditEvent, next string) []byte {
	w := httptest.NewRecorder()
	writeJSON(w, http.StatusOK, contract.EventPage{Events: contract.AuditEventsOf(evs), NextPageToken: next})
	return w.Body.Bytes()
}

func TestEventPageEncodingMatchesContract(t *testing.T) {
	evs := samplePage()
	for _, tc := range []struct {
		name string
		evs  []model.AuditEvent
		next string
	}{
		{"empty", nil, ""},
		{"empty slice", []model.AuditEvent{}, ""},
		{"one", evs[:1], ""},
		{"all, with a token", evs, "tok_<&>\u2028"},
		{"all, last page", evs, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := writeJSONOfPage(tc.evs, tc.next)
			w := httptest.NewRecorder()
			writeEventPage(w, tc.evs, tc.next)
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Fatalf("appended page differs from the contract's encoding:\n got %s\nwant %s", w.Body.Bytes(), want)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// A time the appender can't write as MarshalJSON does goes the slow way, and
// answers exactly as before (here: the encoder's refusal).
func TestEventPageOutOfRangeYearFallsBack(t *testing.T) {
	evs := samplePage()[:2]
	evs[1].EventTimestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	want := httptest.NewRecorder()
	writeJSON(want, http.StatusOK, contract.EventPage{Events: contract.AuditEventsOf(evs)})
	got := httptest.NewRecorder()
	writeEventPage(got, evs, "")
	if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
		t.Fatalf("got %d %s, want %d %s", got.Code, got.Body, want.Code, want.Body)
	}
}

// FuzzEventPageEncoding holds the appended page and verify answer to the
// contract types through writeJSON.
func FuzzEventPageEncoding(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s, `{"keyId":"`+s+`"}`, string(model.EventApiKeyCreated), int64(1e15))
	}
	f.Add("x", `{"name": "\u003c\ud800"}`, string(model.EventApiKeyUpdated), int64(-1))
	f.Fuzz(func(t *testing.T, s, payload, typ string, micros int64) {
		at := time.UnixMicro(micros)
		evs := []model.AuditEvent{{
			ID: s, Type: model.EventType(typ), EventTimestamp: at, IngestionTimestamp: at,
			Actor:  model.Actor{Type: model.ActorType(s), ID: s, Name: s, Email: s},
			Source: model.Source(s), Payload: json.RawMessage(payload),
		}}
		want := writeJSONOfPage(evs, s)
		w := httptest.NewRecorder()
		writeEventPage(w, evs, s)
		if !bytes.Equal(w.Body.Bytes(), want) {
			t.Fatalf("appended page differs:\n got %q\nwant %q", w.Body.Bytes(), want)
		}
		v := contract.VerifiedOf(model.Key{ID: s, Name: payload, Type: model.KeyType(typ), ExpiresAt: at})
		wantV, gotV := httptest.NewRecorder(), httptest.NewRecorder()
		writeJSON(wantV, http.StatusOK, v)
		writeVerified(gotV, v)
		if gotV.Code != wantV.Code || !bytes.Equal(gotV.Body.Bytes(), wantV.Body.Bytes()) {
			t.Fatalf("appended verify answer differs:\n got %q\nwant %q", gotV.Body.Bytes(), wantV.Body.Bytes())
		}
	})
}

func TestVerifiedEncodingMatchesContract(t *testing.T) {
	at := time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)
	for _, s := range hostileStrings {
		for _, exp := range []time.Time{at, at.Add(123456789), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), {}} {
			k := model.Key{ID: "key_" + s, Name: s, Type: model.KeyType(s), ExpiresAt: exp}
			want := httptest.NewRecorder()
			writeJSON(want, http.StatusOK, contract.VerifiedOf(k))
			got := httptest.NewRecorder()
			writeVerified(got, contract.VerifiedOf(k))
			if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) ||
				got.Header().Get("Content-Type") != want.Header().Get("Content-Type") ||
				got.Header().Get("Content-Length") != want.Header().Get("Content-Length") {
				t.Fatalf("got %d %q, want %d %q", got.Code, got.Body, want.Code, want.Body)
			}
		}
	}
}
