package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Events lists audit events newest first by ingestion time, ties by id, filtered
// by q. The cursor is a keyset position, so a page never repeats or skips an
// event when newer ones arrive between pages.
func (r reader) Events(ctx context.Context, q store.EventQuery) ([]model.AuditEvent, error) {
	var where []string
	var args []any
	if !q.From.IsZero() {
		where = append(where, `ingestion_ts >= ?`)
		args = append(args, micros(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, `ingestion_ts < ?`)
		args = append(args, micros(q.To))
	}
	if len(q.Types) > 0 {
		where = append(where, `type IN (?`+strings.Repeat(`, ?`, len(q.Types)-1)+`)`)
		for _, t := range q.Types {
			args = append(args, string(t))
		}
	}
	if q.After != nil {
		// A row value comparison, which the (ingestion_ts, id) index serves.
		where = append(where, `(ingestion_ts, id) < (?, ?)`)
		args = append(args, micros(q.After.Ingestion), q.After.ID)
	}
	query := `SELECT id, type, event_ts, ingestion_ts, actor_type, actor_id, actor_name,
		actor_email, source, payload FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ingestion_ts DESC, id DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}

	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer rows.Close()
	events := []model.AuditEvent{}
	for rows.Next() {
		var e model.AuditEvent
		var eventTS, ingestionTS int64
		var payload string
		if err := rows.Scan(&e.ID, &e.Type, &eventTS, &ingestionTS, &e.Actor.Type, &e.Actor.ID,
			&e.Actor.Name, &e.Actor.Email, &e.Source, &payload); err != nil {
			return nil, wrap("list events", err)
		}
		e.EventTimestamp = fromMicros(eventTS)
		e.IngestionTimestamp = fromMicros(ingestionTS)
		e.Payload = json.RawMessage(payload)
		events = append(events, e)
	}
	return events, wrap("list events", rows.Err())
}

// appendEventQuery is prepared on the writer connection (stmts.go).
const appendEventQuery = `
	INSERT INTO audit_events (id, type, event_ts, ingestion_ts, actor_type, actor_id,
		actor_name, actor_email, source, payload)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// AppendEvent stores an audit event, stamping IngestionTimestamp with the time
// of the write if it is zero. Writers are serialised, so stamps taken here follow
// commit order (as far as the wall clock does).
func (t *tx) AppendEvent(ctx context.Context, e model.AuditEvent) error {
	if e.ID == "" {
		return errors.New("sqlite: append event: the event has no id")
	}
	payload := string(e.Payload)
	if len(e.Payload) == 0 {
		payload = "null"
	}
	if !json.Valid([]byte(payload)) {
		return errors.New("sqlite: append event: the payload is not valid JSON")
	}
	if e.IngestionTimestamp.IsZero() {
		e.IngestionTimestamp = time.Now()
	}
	_, err := t.exec(ctx, appendEventQuery,
		e.ID, string(e.Type), micros(e.EventTimestamp), micros(e.IngestionTimestamp),
		string(e.Actor.Type), e.Actor.ID, e.Actor.Name, e.Actor.Email, string(e.Source), payload)
	if uniqueViolation(err, "audit_events.id") {
		return model.Conflict("An audit event with id %s already exists.", model.Quote(e.ID))
	}
	return wrap("append event", err)
}
