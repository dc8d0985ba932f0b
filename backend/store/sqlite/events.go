package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unsafe"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Events lists audit events newest first by ingestion time, ties by id, filtered
// by q. The cursor is a keyset position, so a page never repeats or skips an
// event when newer ones arrive between pages.
func (r reader) Events(ctx context.Context, q store.EventQuery) ([]model.AuditEvent, error) {
	query, args := eventsQuery(q)
	if r.raw != nil {
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

// eventsRaw is Events outside a transaction, read through SQLite's C API on
// a connection beside the read pool (rawread.go), as KeyChecks reads: through
// the driver each of a row's ten columns cost a call for its type and one or
// two reads under the connection's mutex, and each text a Go allocation. Here
// a page's text is copied into a few shared buffers the events' strings and
// payloads point into, and the few event, actor and source types are the
// constants themselves.
func (r reader) eventsRaw(ctx context.Context, query string, args []any) ([]model.AuditEvent, error) {
	c, err := r.raw.get(ctx)
	if err != nil {
		return nil, wrap("list events", err)
	}
	defer r.raw.put(c)
	events := []model.AuditEvent{}
	if n := len(args); n > 0 {
		if limit, ok := args[n-1].(int); ok && limit > 0 && limit <= 1<<12 {
			events = make([]model.AuditEvent, 0, limit)
		}
	}
	var text textArena
	err = c.each(ctx, query, args, func(row rawRow) error {
		var e model.AuditEvent
		e.ID = text.string(row.bytes(0))
		e.Type = model.EventType(text.known(row.bytes(1), eventTypeNames))
		e.EventTimestamp, e.IngestionTimestamp = fromMicros(row.int64(2)), fromMicros(row.int64(3))
		e.Actor.Type = model.ActorType(text.known(row.bytes(4), actorTypeNames))
		e.Actor.ID, e.Actor.Name, e.Actor.Email = text.string(row.bytes(5)), text.string(row.bytes(6)), text.string(row.bytes(7))
		e.Source = model.Source(text.known(row.bytes(8), sourceNames))
		e.Payload = json.RawMessage(text.bytes(row.bytes(9)))
		events = append(events, e)
		return nil
	})
	if err != nil {
		return nil, wrap("list events", err)
	}
	return events, nil
}

var (
	eventTypeNames = func() []string {
		names := make([]string, len(model.EventTypes))
		for i, t := range model.EventTypes {
			names[i] = string(t)
		}
		return names
	}()
	actorTypeNames = []string{string(model.ActorMember), string(model.ActorAPIKey), string(model.ActorSystem)}
	sourceNames    = []string{string(model.SourceTUI), string(model.SourceSSH), string(model.SourceCLI), string(model.SourceAPI)}
)

// textArena holds copies of a page's text in chunks that are only ever
// appended to, so the strings and slices it hands out never change.
type textArena struct{ chunk []byte }

const arenaChunk = 64 << 10

// bytes is a copy of b, capped at its length (an append to it copies).
func (a *textArena) bytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if len(a.chunk)+len(b) > cap(a.chunk) {
		a.chunk = make([]byte, 0, max(arenaChunk, len(b)))
	}
	at := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return a.chunk[at:len(a.chunk):len(a.chunk)]
}

func (a *textArena) string(b []byte) string {
	c := a.bytes(b)
	if len(c) == 0 {
		return ""
	}
	return unsafe.String(&c[0], len(c))
}

// known is b as one of names when it is one, else a copy.
func (a *textArena) known(b []byte, names []string) string {
	for _, n := range names {
		if string(b) == n {
			return n
		}
	}
	return a.string(b)
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
