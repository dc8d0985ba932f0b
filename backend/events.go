package backend

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

var eventSeq atomic.Uint64

// newEvent stamps an event with the clock and an id that sorts by time, then by a
// per-process sequence, so events written in one instant still keep their order.
// The event's type is its payload's.
func (b *Backend) newEvent(actor model.Actor, src model.Source, p model.Payload) (model.AuditEvent, error) {
	t, raw, err := model.EncodePayload(p)
	if err != nil {
		return model.AuditEvent{}, err
	}
	now := b.Now()
	id := fmt.Sprintf("evt_%016x%08x%s", now.UnixMicro(), uint32(eventSeq.Add(1)), model.NewID("")[1:7])
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

// ListEvents pages through the audit log; it needs the right to read it.
func (s *Session) ListEvents(ctx context.Context, f EventFilter) (EventPage, error) {
	if _, err := s.require(ctx, s.b.store, model.ActReadAudit, ""); err != nil {
		return EventPage{}, err
	}
	return s.b.AuditEvents(ctx, f)
}

// AuditEvents pages through the audit log for the Audit Logs API; the caller has
// already authenticated an audit-logs key. With a PageToken the token's window and
// types apply, so every page of one listing answers the same query; the token is
// opaque and tamper-evident (garbage or an altered token is KindInvalid).
func (b *Backend) AuditEvents(ctx context.Context, f EventFilter) (EventPage, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = model.MaxEventPageSize
	case limit < 1 || limit > model.MaxEventPageSize:
		return EventPage{}, model.Invalid("limit", "limit must be between 1 and %d.", model.MaxEventPageSize)
	}
	q := store.EventQuery{From: f.From, To: f.To, Types: f.Types, Limit: limit + 1}
	if f.PageToken != "" {
		t, err := b.decodeToken(ctx, f.PageToken)
		if err != nil {
			return EventPage{}, err
		}
		q.From, q.To, q.Types = t.window()
		q.After = &store.Cursor{Ingestion: time.UnixMicro(t.Ingestion).UTC(), ID: t.ID}
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
			From: micro(q.From), To: micro(q.To), Types: q.Types,
		}
		if page.NextPageToken, err = b.encodeToken(ctx, tok); err != nil {
			return EventPage{}, err
		}
	}
	return page, nil
}

// pageToken is the position after a page and the query it answers.
type pageToken struct {
	Ingestion int64             `json:"i"`
	ID        string            `json:"e"`
	From      int64             `json:"f,omitempty"`
	To        int64             `json:"t,omitempty"`
	Types     []model.EventType `json:"y,omitempty"`
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

// tokenKey signs page tokens. It is derived from the workspace id so that every
// instance on one database agrees without configuration; the signature detects
// tampering and garbage, it does not guard a secret (a token only says where a
// listing the caller may read anyway left off).
func (b *Backend) tokenKey(ctx context.Context) ([]byte, error) {
	w, err := b.store.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	k := sha256.Sum256([]byte("apikeys page token\x00" + w.ID))
	return k[:], nil
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
