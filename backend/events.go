package backend

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

var eventSeq atomic.Uint64

// sortableID is an id that sorts by time, then by a per-process sequence, so
// rows written in one instant still keep their order, with six random
// characters against another process's ids. The index of ids then grows at
// its end: a random id lands on a page of its own (a delivery per endpoint
// dirtied one index page each).
func sortableID(prefix string, now time.Time) string {
	return fmt.Sprintf("%s_%016x%08x%s", prefix, now.UnixMicro(), uint32(eventSeq.Add(1)), model.NewID("")[1:7])
}

// newEvent stamps an event with the clock and a sortable id. The event's type
// is its payload's.
func (b *Backend) newEvent(actor model.Actor, src model.Source, p model.Payload) (model.AuditEvent, error) {
	t, raw, err := model.EncodePayload(p)
	if err != nil {
		return model.AuditEvent{}, err
	}
	now := b.Now()
	id := sortableID("evt", now)
	return model.AuditEvent{
		ID: id, Type: t, EventTimestamp: now, IngestionTimestamp: now,
		Actor: actor, Source: src, Payload: raw,
	}, nil
}

// statusPayload is the payload of UserDeactivated or UserReactivated (t) for m.
func statusPayload(t model.EventType, m model.Member) model.Payload {
	if t == model.EventUserDeactivated {
		return model.UserDeactivatedPayload{UserRef: model.UserRefOf(m)}
	}
	return model.UserReactivatedPayload{UserRef: model.UserRefOf(m)}
}

// sshKeyPayload is the payload of SshKeyAdded or SshKeyRemoved (t) for m's key fp.
func sshKeyPayload(t model.EventType, m model.Member, fp string) model.Payload {
	if t == model.EventSshKeyRemoved {
		return model.SshKeyRemovedPayload{UserRef: model.UserRefOf(m), Fingerprint: fp}
	}
	return model.SshKeyAddedPayload{UserRef: model.UserRefOf(m), Fingerprint: fp}
}

// ListEvents pages through the audit log; it needs the right to read it. An
// Actor with an @ is a member's email, as everywhere a member is named.
func (s *Session) ListEvents(ctx context.Context, f EventFilter) (EventPage, error) {
	if _, err := s.require(ctx, s.b.store, model.ActReadAudit, ""); err != nil {
		return EventPage{}, err
	}
	if strings.Contains(f.Actor, "@") {
		m, err := resolveMember(ctx, s.b.store, f.Actor)
		if err != nil {
			return EventPage{}, err
		}
		f.Actor = m.ID
	}
	return s.b.AuditEvents(ctx, f)
}

// PageTokenTTL is how long a listing's page tokens stay good, counted from its
// first page (the refusal says "an hour"): long enough to page through any listing, short enough that a
// token found in a log or a proxy's history soon opens nothing.
const PageTokenTTL = time.Hour

// AuditEvents pages through the audit log for the Audit Logs API; the caller has
// already authenticated an audit-logs key. With a PageToken the token's window and
// types apply, so every page of one listing answers the same query: Types, if
// given too, must be the token's, and so must Actor and Key. The token is opaque and tamper-evident (garbage
// or an altered token is KindInvalid), signed with the workspace's random key, and
// expires PageTokenTTL after the listing's first page. MaxLookBack, if set, is
// checked on every page, not only the first.
func (b *Backend) AuditEvents(ctx context.Context, f EventFilter) (EventPage, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = model.MaxEventPageSize
	case limit < 1 || limit > model.MaxEventPageSize:
		return EventPage{}, model.Invalid("limit", "limit must be between 1 and %d.", model.MaxEventPageSize)
	}
	now := b.Now()
	q := store.EventQuery{From: f.From, To: f.To, Types: f.Types, Actor: f.Actor, Key: f.Key, Limit: limit + 1}
	issued := now
	if f.PageToken != "" {
		t, err := b.decodeToken(ctx, f.PageToken)
		if err != nil {
			return EventPage{}, err
		}
		issued = time.UnixMicro(t.Issued)
		if t.Issued == 0 || now.Sub(issued) > PageTokenTTL {
			return EventPage{}, model.Invalid("pageToken", "pageToken has expired: a listing's tokens last an hour from its first page; start again without pageToken.")
		}
		q.From, q.To, q.Types = t.window()
		if len(f.Types) > 0 && !sameTypes(f.Types, q.Types) {
			return EventPage{}, model.Invalid("eventType", "eventType differs from the listing this pageToken continues: repeat the first page's eventType, or leave it out.")
		}
		if (f.Actor != "" && f.Actor != t.Actor) || (f.Key != "" && f.Key != t.Key) {
			return EventPage{}, model.Invalid("pageToken", "The actor or key differs from the listing this pageToken continues: repeat the first page's, or leave them out.")
		}
		q.Actor, q.Key = t.Actor, t.Key
		q.After = &store.Cursor{Ingestion: time.UnixMicro(t.Ingestion).UTC(), ID: t.ID}
	}
	if f.MaxLookBack > 0 {
		if oldest := now.Add(-f.MaxLookBack); q.From.IsZero() || q.From.Before(oldest) {
			return EventPage{}, model.Invalid("from", "The Audit Logs API looks back at most %d days: from must be %s or later.",
				int(f.MaxLookBack/(24*time.Hour)), oldest.UTC().Format(time.RFC3339))
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return EventPage{}, model.Invalid("to", "to is before from.")
	}
	evs, err := b.store.Events(ctx, q)
	if err != nil {
		return EventPage{}, err
	}
	page := EventPage{Events: evs}
	if len(evs) > limit {
		page.Events = evs[:limit]
		last := page.Events[limit-1]
		tok := pageToken{
			Ingestion: last.IngestionTimestamp.UnixMicro(), ID: last.ID,
			From: micro(q.From), To: micro(q.To), Types: q.Types, Actor: q.Actor, Key: q.Key, Issued: issued.UnixMicro(),
		}
		if page.NextPageToken, err = b.encodeToken(ctx, tok); err != nil {
			return EventPage{}, err
		}
	}
	return page, nil
}

// sameTypes reports whether two eventType filters name the same set of types.
func sameTypes(a, b []model.EventType) bool {
	in := func(set []model.EventType, t model.EventType) bool {
		for _, s := range set {
			if s == t {
				return true
			}
		}
		return false
	}
	for _, t := range a {
		if !in(b, t) {
			return false
		}
	}
	for _, t := range b {
		if !in(a, t) {
			return false
		}
	}
	return true
}

// pageToken is the position after a page, the query it answers and when the
// listing's first page was served.
type pageToken struct {
	Ingestion int64             `json:"i"`
	ID        string            `json:"e"`
	From      int64             `json:"f,omitempty"`
	To        int64             `json:"t,omitempty"`
	Types     []model.EventType `json:"y,omitempty"`
	Actor     string            `json:"a,omitempty"`
	Key       string            `json:"k,omitempty"`
	Issued    int64             `json:"s"` // unix µs of the first page
}

func (t pageToken) window() (from, to time.Time, types []model.EventType) {
	if t.From != 0 {
		from = time.UnixMicro(t.From).UTC()
	}
	if t.To != 0 {
		to = time.UnixMicro(t.To).UTC()
	}
	return from, to, t.Types
}

func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// tokenKey signs page tokens: the workspace's random key, kept in its row so that
// every instance on one database agrees without configuration. The signature
// makes tokens tamper-evident; without the key nobody can forge one that widens
// its window or moves its expiry.
func (b *Backend) tokenKey(ctx context.Context) ([]byte, error) {
	key, err := b.store.PageTokenKey(ctx)
	if err != nil {
		return nil, err
	}
	if len(key) < store.PageTokenKeyLen {
		return nil, fmt.Errorf("the workspace's page token key is %d bytes, want %d: the store was not migrated", len(key), store.PageTokenKeyLen)
	}
	return key, nil
}

func (b *Backend) encodeToken(ctx context.Context, t pageToken) (string, error) {
	key, err := b.tokenKey(ctx)
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(t)
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(mac.Sum(nil)[:16], body...)), nil
}

func (b *Backend) decodeToken(ctx context.Context, s string) (pageToken, error) {
	bad := model.Invalid("pageToken", "pageToken is not valid: pass the nextPageToken of the previous page unchanged.")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 17 {
		return pageToken{}, bad
	}
	key, err := b.tokenKey(ctx)
	if err != nil {
		return pageToken{}, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(raw[16:])
	if !hmac.Equal(mac.Sum(nil)[:16], raw[:16]) {
		return pageToken{}, bad
	}
	var t pageToken
	if err := json.Unmarshal(raw[16:], &t); err != nil || t.ID == "" {
		return pageToken{}, bad
	}
	return t, nil
}
