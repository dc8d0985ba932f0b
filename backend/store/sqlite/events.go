package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Events lists audit events newest first by ingestion time, ties by id, filtered
// by q. The cursor is a keyset position, so a page never repeats or skips an
// event when newer ones arrive between pages.
func (r reader) Events(ctx context.Context, q store.EventQuery) ([]model.AuditEvent, error) {
	query, args := eventsQuery(q)
	if r.db != nil {
		return r.eventsRaw(ctx, query, args)
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

// eventsQuery is Events' statement and its arguments. With a key it reads the
// key's rows of audit_event_keys in list order (their ts is the event's
// ingestion_ts) and looks each event up by id; otherwise audit_events by one of
// its order indexes.
func eventsQuery(q store.EventQuery) (string, []any) {
	var where []string
	var args []any
	// The order columns: the event's, or its row in audit_event_keys.
	ts, id := `ingestion_ts`, `id`
	if q.Key != "" {
		ts, id = `ts`, `event_id`
		where = append(where, `key_id = ?`)
		args = append(args, q.Key)
	}
	if !q.From.IsZero() {
		where = append(where, ts+` >= ?`)
		args = append(args, micros(q.From))
	}
	// The index range's upper end. SQLite takes a plain bound on ingestion_ts
	// for it over the row value below, so with To set (a token carries its
	// listing's window) a page after a token started at To and read through
	// every event of the pages before it: page 91 of a 100,000-event listing
	// took 22–33 ms instead of 2.4–3.3 ms (BenchmarkEventPageDeep), and the
	// pages of a million-event walk grew ever slower. (ingestion_ts <= the
	// token's) implies (< To) when the token's is the earlier, and bounds the
	// range at the token.
	switch {
	case q.After != nil && (q.To.IsZero() || micros(q.After.Ingestion) < micros(q.To)):
		where = append(where, ts+` <= ?`)
		args = append(args, micros(q.After.Ingestion))
	case !q.To.IsZero():
		where = append(where, ts+` < ?`)
		args = append(args, micros(q.To))
	}
	if len(q.Types) > 0 {
		where = append(where, `type IN (?`+strings.Repeat(`, ?`, len(q.Types)-1)+`)`)
		for _, t := range q.Types {
			args = append(args, string(t))
		}
	}
	if q.Actor != "" {
		where = append(where, `actor_id = ?`)
		args = append(args, q.Actor)
	}
	if q.After != nil {
		// The exact position, within the range the bound above starts.
		where = append(where, `(`+ts+`, `+id+`) < (?, ?)`)
		args = append(args, micros(q.After.Ingestion), q.After.ID)
	}
	from := `audit_events`
	if q.Key != "" {
		// CROSS JOIN keeps audit_event_keys the outer loop: the key's few rows,
		// not the log with a look-up per event.
		from = `audit_event_keys CROSS JOIN audit_events ON id = event_id`
	}
	query := `SELECT id, type, event_ts, ingestion_ts, actor_type, actor_id, actor_name,
		actor_email, source, payload FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY ` + ts + ` DESC, ` + id + ` DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return query, args
}

// eventsRaw is Events on the read pool, reading the driver's rows itself as
// KeyChecks does: database/sql's Scan (reflection per column) and locking per
// row were an eighth of a 1000-event page's CPU (BenchmarkAuditPage1000, four
// interleaved pairs: 0.87–0.92 of the CPU per page, a sixth fewer
// allocations). The payload comes as a BLOB, so the driver's copy of it is the
// event's, not copied again from a string.
func (r reader) eventsRaw(ctx context.Context, query string, args []any) ([]model.AuditEvent, error) {
	query = strings.Replace(query, "source, payload FROM", "source, CAST(payload AS BLOB) FROM", 1)
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a) // an int limit: int64
		if err != nil {
			return nil, wrap("list events", err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer conn.Close()
	events := []model.AuditEvent{}
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("sqlite: list events: the driver's connection (%T) can't query", dc)
		}
		rows, err := qc.QueryContext(ctx, query, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, 10)
		for {
			if err := rows.Next(row); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			var e model.AuditEvent
			var text [7]string
			ok := true
			for i, col := range [7]int{0, 1, 4, 5, 6, 7, 8} {
				text[i], ok = row[col].(string)
				if !ok {
					break
				}
			}
			eventTS, okE := row[2].(int64)
			ingestionTS, okI := row[3].(int64)
			payload, okP := row[9].([]byte)
			if !ok || !okE || !okI || !okP {
				return fmt.Errorf("sqlite: list events: a row of unexpected types (%T id, %T event_ts, %T payload)", row[0], row[2], row[9])
			}
			e.ID, e.Type, e.Actor.Type, e.Actor.ID = text[0], model.EventType(text[1]), model.ActorType(text[2]), text[3]
			e.Actor.Name, e.Actor.Email, e.Source = text[4], text[5], model.Source(text[6])
			e.EventTimestamp, e.IngestionTimestamp = fromMicros(eventTS), fromMicros(ingestionTS)
			e.Payload = json.RawMessage(payload)
			events = append(events, e)
		}
	})
	if err != nil {
		return nil, wrap("list events", err)
	}
	return events, nil
}

// appendEventQuery is prepared on the writer connection (stmts.go).
const appendEventQuery = `
	INSERT INTO audit_events (id, type, event_ts, ingestion_ts, actor_type, actor_id,
		actor_name, actor_email, source, payload)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// appendEventKeyQuery records a key an event is about, for Events' key filter.
const appendEventKeyQuery = `INSERT OR IGNORE INTO audit_event_keys (key_id, ts, event_id) VALUES (?, ?, ?)`

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
	if err != nil {
		return wrap("append event", err)
	}
	for _, k := range e.KeyIDs() {
		if _, err := t.exec(ctx, appendEventKeyQuery, k, micros(e.IngestionTimestamp), e.ID); err != nil {
			return wrap("append event", err)
		}
	}
	return nil
}
