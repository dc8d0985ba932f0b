package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Events lists audit events newest first by ingestion time, ties by id, filtered
// by q. Every instance reads the same table in the same order, so the audit log
// is one sequence whichever instance wrote an event. The cursor is a keyset
// position, so a page never repeats or skips an event when newer ones arrive.
func (r reader) Events(ctx context.Context, q store.EventQuery) ([]model.AuditEvent, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// The order columns: the event's, or, with a key, its row in
	// audit_event_keys (ts is the event's ingestion_ts), read down that
	// table's primary key.
	at, id, from := `ingestion_ts`, `id`, `audit_events`
	if q.Key != "" {
		at, id, from = `ts`, `event_id`, `audit_event_keys JOIN audit_events ON id = event_id`
		where = append(where, `key_id = `+arg(q.Key))
	}
	if !q.From.IsZero() {
		where = append(where, at+` >= `+arg(ts(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, at+` < `+arg(ts(q.To)))
	}
	if len(q.Types) > 0 {
		types := make([]string, len(q.Types))
		for i, t := range q.Types {
			types[i] = string(t)
		}
		where = append(where, `type = ANY(`+arg(types)+`)`)
	}
	if q.Actor != "" {
		where = append(where, `actor_id = `+arg(q.Actor))
	}
	if q.After != nil {
		// A row comparison, which the (ingestion_ts, id) index serves.
		where = append(where, `(`+at+`, `+id+`) < (`+arg(ts(q.After.Ingestion))+`, `+arg(q.After.ID)+`)`)
	}
	query := `SELECT id, type, event_ts, ingestion_ts, actor_type, actor_id, actor_name,
		actor_email, source, payload FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + at + ` DESC, ` + id + ` DESC`
	if q.Limit > 0 {
		query += ` LIMIT ` + arg(q.Limit)
	}

	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer rows.Close()
	events := []model.AuditEvent{}
	for rows.Next() {
		var e model.AuditEvent
		var typ, actorType, source, payload string
		if err := rows.Scan(&e.ID, &typ, &e.EventTimestamp, &e.IngestionTimestamp, &actorType,
			&e.Actor.ID, &e.Actor.Name, &e.Actor.Email, &source, &payload); err != nil {
			return nil, wrap("list events", err)
		}
		e.Type = model.EventType(typ)
		e.Actor.Type = model.ActorType(actorType)
		e.Source = model.Source(source)
		e.EventTimestamp = e.EventTimestamp.UTC()
		e.IngestionTimestamp = e.IngestionTimestamp.UTC()
		e.Payload = json.RawMessage(payload)
		events = append(events, e)
	}
	return events, wrap("list events", rows.Err())
}

// AppendEvent stores an audit event, stamping IngestionTimestamp with this
// instance's clock if it is zero (the backend normally stamps it). The payload is
// kept byte for byte (a json column, not jsonb).
func (t *tx) AppendEvent(ctx context.Context, e model.AuditEvent) error {
	if e.ID == "" {
		return errors.New("postgres: append event: the event has no id")
	}
	payload := string(e.Payload)
	if len(e.Payload) == 0 {
		payload = "null"
	}
	if !json.Valid([]byte(payload)) {
		return errors.New("postgres: append event: the payload is not valid JSON")
	}
	if e.IngestionTimestamp.IsZero() {
		e.IngestionTimestamp = time.Now()
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO audit_events (id, type, event_ts, ingestion_ts, actor_type, actor_id,
			actor_name, actor_email, source, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT DO NOTHING`,
		e.ID, string(e.Type), ts(e.EventTimestamp), ts(e.IngestionTimestamp),
		string(e.Actor.Type), e.Actor.ID, e.Actor.Name, e.Actor.Email, string(e.Source), payload)
	if err != nil {
		return wrap("append event", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Conflict("An audit event with id %s already exists.", model.Quote(e.ID))
	}
	// The keys it is about, for Events' key filter.
	if keys := e.KeyIDs(); len(keys) > 0 {
		if _, err := t.tx.Exec(ctx, `
			INSERT INTO audit_event_keys (key_id, ts, event_id)
			SELECT unnest($1::text[]), $2, $3 ON CONFLICT DO NOTHING`,
			keys, ts(e.IngestionTimestamp), e.ID); err != nil {
			return wrap("append event", err)
		}
	}
	return nil
}
