package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

const endpointColumns = `id, url, description, events, format, enabled, disabled_reason,
	failing_since, secret, created_at, created_by, updated_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (model.WebhookEndpoint, error) {
	var (
		w                  model.WebhookEndpoint
		events, format     string
		enabled            int
		failing            sql.NullInt64
		created, updatedAt int64
	)
	err := sc.Scan(&w.ID, &w.URL, &w.Description, &events, &format, &enabled, &w.DisabledReason,
		&failing, &w.Secret, &created, &w.CreatedBy, &updatedAt)
	if err != nil {
		return w, err
	}
	for _, e := range strings.Fields(events) {
		w.Events = append(w.Events, model.WebhookEvent(e))
	}
	w.Format, w.Enabled, w.FailingSince = model.WebhookFormat(format), enabled == 1, fromNullMicros(failing)
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updatedAt)
	w.SecretHint = model.WebhookSecretHint(w.Secret)
	return w, nil
}

func joinEvents(es []model.WebhookEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, " ")
}

// The webhook statements of write transactions and of the delivery worker,
// prepared on the writer connection (stmts.go). Every audit event a change
// appends reads the endpoints in the change's transaction (the outbox).
const (
	endpointsQuery       = `SELECT ` + endpointColumns + ` FROM webhook_endpoints ORDER BY created_at, id`
	endpointQuery        = `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id = ?`
	enqueueDeliveryQuery = `INSERT INTO webhook_deliveries (` + deliveryColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateEndpointQuery = `UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?,
		failing_since = ?, updated_at = ? WHERE id = ?`
	recordAttemptQuery = `UPDATE webhook_deliveries SET state = ?, attempts = ?,
		next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?`
	insertAttemptQuery = `INSERT INTO webhook_attempts (delivery_id, n, at, status, error, duration_us)
		VALUES (?, (SELECT coalesce(max(n), 0) + 1 FROM webhook_attempts WHERE delivery_id = ?), ?, ?, ?, ?)`
	claimAlertQuery = `INSERT INTO webhook_alerts (key_id, alert, at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`
	claimDeliveriesQuery = `UPDATE webhook_deliveries SET next_attempt_at = ?
		WHERE id IN (
			SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1
			ORDER BY d.next_attempt_at LIMIT ?)
		RETURNING ` + deliveryColumns
)

// WebhookEndpoints lists endpoints oldest first.
func (r reader) WebhookEndpoints(ctx context.Context) ([]model.WebhookEndpoint, error) {
	rows, err := r.query(ctx, endpointsQuery)
	if err != nil {
		return nil, wrap("list webhooks", err)
	}
	defer rows.Close()
	var out []model.WebhookEndpoint
	for rows.Next() {
		w, err := scanEndpoint(rows)
		if err != nil {
			return nil, wrap("list webhooks", err)
		}
		out = append(out, w)
	}
	return out, wrap("list webhooks", rows.Err())
}

// WebhookEndpoint returns one endpoint.
func (r reader) WebhookEndpoint(ctx context.Context, id string) (model.WebhookEndpoint, error) {
	w, err := scanEndpoint(r.queryRow(ctx, endpointQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, model.NotFound("No webhook with id %s.", model.Quote(id))
	}
	return w, wrap("read webhook", err)
}

const deliveryColumns = `id, endpoint_id, event, body, state, attempts, created_at,
	next_attempt_at, last_attempt_at, last_status, last_error`

func scanDelivery(sc interface{ Scan(...any) error }) (model.WebhookDelivery, error) {
	var (
		d             model.WebhookDelivery
		event, state  string
		created       int64
		next, lastAtt sql.NullInt64
	)
	err := sc.Scan(&d.ID, &d.EndpointID, &event, &d.Body, &state, &d.Attempts, &created,
		&next, &lastAtt, &d.LastStatus, &d.LastError)
	d.Event, d.State, d.CreatedAt = model.WebhookEvent(event), model.DeliveryState(state), fromMicros(created)
	d.NextAttemptAt, d.LastAttemptAt = fromNullMicros(next), fromNullMicros(lastAtt)
	return d, err
}

func scanDeliveries(rows *sql.Rows, what string) ([]model.WebhookDelivery, error) {
	defer rows.Close()
	var out []model.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, wrap(what, err)
		}
		out = append(out, d)
	}
	return out, wrap(what, rows.Err())
}

// WebhookDeliveries lists deliveries newest first.
func (r reader) WebhookDeliveries(ctx context.Context, q store.DeliveryQuery) ([]model.WebhookDelivery, error) {
	var (
		where []string
		args  []any
	)
	if q.EndpointID != "" {
		where, args = append(where, "endpoint_id = ?"), append(args, q.EndpointID)
	}
	if q.State != "" {
		where, args = append(where, "state = ?"), append(args, string(q.State))
	}
	query := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at DESC, id DESC"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list deliveries", err)
	}
	return scanDeliveries(rows, "list deliveries")
}

// WebhookAttempts lists a delivery's attempts, oldest first.
func (r reader) WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT at, status, error, duration_us FROM webhook_attempts
		WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, wrap("list attempts", err)
	}
	defer rows.Close()
	var out []model.WebhookAttempt
	for rows.Next() {
		a := model.WebhookAttempt{DeliveryID: deliveryID}
		var at, us int64
		if err := rows.Scan(&at, &a.Status, &a.Error, &us); err != nil {
			return nil, wrap("list attempts", err)
		}
		a.At, a.Duration = fromMicros(at), time.Duration(us)*time.Microsecond
		out = append(out, a)
	}
	return out, wrap("list attempts", rows.Err())
}

// AlertsSent lists the alerts claimed so far.
func (r reader) AlertsSent(ctx context.Context) ([]store.AlertMark, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT key_id, alert, at FROM webhook_alerts`)
	if err != nil {
		return nil, wrap("list alerts", err)
	}
	defer rows.Close()
	var out []store.AlertMark
	for rows.Next() {
		var m store.AlertMark
		var at int64
		if err := rows.Scan(&m.KeyID, &m.Alert, &at); err != nil {
			return nil, wrap("list alerts", err)
		}
		m.At = fromMicros(at)
		out = append(out, m)
	}
	return out, wrap("list alerts", rows.Err())
}

// InsertWebhookEndpoint stores a new endpoint.
func (t *tx) InsertWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.URL, w.Description, joinEvents(w.Events), string(w.Format), boolInt(w.Enabled),
		w.DisabledReason, nullMicros(w.FailingSince), w.Secret, micros(w.CreatedAt), w.CreatedBy, micros(w.UpdatedAt))
	if uniqueViolation(err, "webhook_endpoints.id") {
		return model.Conflict("A webhook with id %s already exists.", model.Quote(w.ID))
	}
	return wrap("insert webhook", err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UpdateWebhookEndpoint writes the endpoint's state.
func (t *tx) UpdateWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error {
	res, err := t.exec(ctx, updateEndpointQuery,
		boolInt(w.Enabled), w.DisabledReason, nullMicros(w.FailingSince), micros(w.UpdatedAt), w.ID)
	return affectedOne(res, err, "update webhook", w.ID)
}

func affectedOne(res sql.Result, err error, what, id string) error {
	if err != nil {
		return wrap(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(what, err)
	} else if n == 0 {
		return model.NotFound("No webhook with id %s.", model.Quote(id))
	}
	return nil
}

// DeleteWebhookEndpoint removes an endpoint; its deliveries and attempts cascade.
func (t *tx) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	return affectedOne(res, err, "delete webhook", id)
}

// EnqueueDeliveries adds deliveries to the outbox, one prepared INSERT each: a
// multi-row INSERT of as many rows as there are endpoints would be a new text,
// parsed each time, for every count of endpoints.
func (t *tx) EnqueueDeliveries(ctx context.Context, ds []model.WebhookDelivery) error {
	for _, d := range ds {
		if _, err := t.exec(ctx, enqueueDeliveryQuery, d.ID, d.EndpointID, string(d.Event), d.Body, string(d.State),
			d.Attempts, micros(d.CreatedAt), nullMicros(d.NextAttemptAt), nullMicros(d.LastAttemptAt),
			d.LastStatus, d.LastError); err != nil {
			return wrap("enqueue delivery", err)
		}
	}
	return nil
}

// RecordAttempt stores an attempt and the delivery's new state.
func (t *tx) RecordAttempt(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error {
	res, err := t.exec(ctx, recordAttemptQuery,
		string(d.State), d.Attempts, nullMicros(d.NextAttemptAt), nullMicros(d.LastAttemptAt),
		d.LastStatus, d.LastError, d.ID)
	if err := affectedOne(res, err, "record attempt", d.ID); err != nil {
		return err
	}
	_, err = t.exec(ctx, insertAttemptQuery,
		d.ID, d.ID, micros(a.At), a.Status, a.Error, a.Duration.Microseconds())
	return wrap("record attempt", err)
}

// FailPending gives up an endpoint's pending deliveries.
func (t *tx) FailPending(ctx context.Context, endpointID string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL
		WHERE endpoint_id = ? AND state = 'pending'`, endpointID)
	return wrap("fail pending deliveries", err)
}

// PruneDeliveries deletes finished deliveries created before before.
func (t *tx) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM webhook_deliveries
		WHERE state IN ('delivered', 'failed') AND created_at < ?`, micros(before))
	if err != nil {
		return 0, wrap("prune deliveries", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("prune deliveries", err)
}

// ClaimAlert records an alert once.
func (t *tx) ClaimAlert(ctx context.Context, keyID, alert string, at time.Time) (bool, error) {
	res, err := t.exec(ctx, claimAlertQuery, keyID, alert, micros(at))
	if err != nil {
		return false, wrap("claim alert", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("claim alert", err)
}

// ClaimDeliveries leases due deliveries. SQLite has one writer, so the UPDATE
// itself is the lock: two workers (even in two processes on one file) never
// claim the same row.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.WebhookDelivery, error) {
	if s.write == nil {
		return nil, s.readOnlyErr
	}
	rows, err := s.writeStmts[claimDeliveriesQuery].QueryContext(ctx,
		micros(now.Add(lease)), micros(now), limit)
	if err != nil {
		return nil, wrap("claim deliveries", err)
	}
	return scanDeliveries(rows, "claim deliveries")
}
