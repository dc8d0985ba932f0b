package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

const endpointColumns = `id, url, description, events, format, enabled, disabled_reason,
	failing_since, secret, created_at, created_by, updated_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (model.WebhookEndpoint, error) {
	var (
		w              model.WebhookEndpoint
		events, format string
	)
	err := sc.Scan(&w.ID, &w.URL, &w.Description, &events, &format, &w.Enabled, &w.DisabledReason,
		&w.FailingSince, &w.Secret, &w.CreatedAt, &w.CreatedBy, &w.UpdatedAt)
	if err != nil {
		return w, err
	}
	for _, e := range strings.Fields(events) {
		w.Events = append(w.Events, model.WebhookEvent(e))
	}
	w.Format, w.FailingSince = model.WebhookFormat(format), utc(w.FailingSince)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
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

// WebhookEndpoints lists endpoints oldest first.
func (r reader) WebhookEndpoints(ctx context.Context) ([]model.WebhookEndpoint, error) {
	rows, err := r.q.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY created_at, id`)
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
	w, err := scanEndpoint(r.q.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return w, model.NotFound("No webhook with id %s.", model.Quote(id))
	}
	return w, wrap("read webhook", err)
}

const deliveryColumns = `id, endpoint_id, event, body, state, attempts, created_at,
	next_attempt_at, last_attempt_at, last_status, last_error`

func scanDelivery(sc interface{ Scan(...any) error }) (model.WebhookDelivery, error) {
	var (
		d            model.WebhookDelivery
		event, state string
	)
	err := sc.Scan(&d.ID, &d.EndpointID, &event, &d.Body, &state, &d.Attempts, &d.CreatedAt,
		&d.NextAttemptAt, &d.LastAttemptAt, &d.LastStatus, &d.LastError)
	d.Event, d.State, d.CreatedAt = model.WebhookEvent(event), model.DeliveryState(state), d.CreatedAt.UTC()
	d.NextAttemptAt, d.LastAttemptAt = utc(d.NextAttemptAt), utc(d.LastAttemptAt)
	return d, err
}

func scanDeliveries(rows pgx.Rows, what string) ([]model.WebhookDelivery, error) {
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
		args = append(args, q.EndpointID)
		where = append(where, fmt.Sprintf("endpoint_id = $%d", len(args)))
	}
	if q.State != "" {
		args = append(args, string(q.State))
		where = append(where, fmt.Sprintf("state = $%d", len(args)))
	}
	query := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at DESC, id DESC"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list deliveries", err)
	}
	return scanDeliveries(rows, "list deliveries")
}

// WebhookAttempts lists a delivery's attempts, oldest first.
func (r reader) WebhookAttempts(ctx context.Context, deliveryID string) ([]model.WebhookAttempt, error) {
	rows, err := r.q.Query(ctx, `SELECT at, status, error, duration_us FROM webhook_attempts
		WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	if err != nil {
		return nil, wrap("list attempts", err)
	}
	defer rows.Close()
	var out []model.WebhookAttempt
	for rows.Next() {
		a := model.WebhookAttempt{DeliveryID: deliveryID}
		var us int64
		if err := rows.Scan(&a.At, &a.Status, &a.Error, &us); err != nil {
			return nil, wrap("list attempts", err)
		}
		a.At, a.Duration = a.At.UTC(), time.Duration(us)*time.Microsecond
		out = append(out, a)
	}
	return out, wrap("list attempts", rows.Err())
}

// AlertsSent lists the alerts claimed so far.
func (r reader) AlertsSent(ctx context.Context) ([]store.AlertMark, error) {
	rows, err := r.q.Query(ctx, `SELECT key_id, alert, at FROM webhook_alerts`)
	if err != nil {
		return nil, wrap("list alerts", err)
	}
	defer rows.Close()
	var out []store.AlertMark
	for rows.Next() {
		var m store.AlertMark
		if err := rows.Scan(&m.KeyID, &m.Alert, &m.At); err != nil {
			return nil, wrap("list alerts", err)
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, wrap("list alerts", rows.Err())
}

// InsertWebhookEndpoint stores a new endpoint.
func (t *tx) InsertWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error {
	tag, err := t.tx.Exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
		w.ID, w.URL, w.Description, joinEvents(w.Events), string(w.Format), w.Enabled,
		w.DisabledReason, nullTS(w.FailingSince), w.Secret, ts(w.CreatedAt), w.CreatedBy, ts(w.UpdatedAt))
	if err != nil {
		return wrap("insert webhook", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Conflict("A webhook with id %s already exists.", model.Quote(w.ID))
	}
	return nil
}

func affectedOne(n int64, err error, what, id string) error {
	if err != nil {
		return wrap(what, err)
	}
	if n == 0 {
		return model.NotFound("No webhook with id %s.", model.Quote(id))
	}
	return nil
}

// UpdateWebhookEndpoint writes the endpoint's state.
func (t *tx) UpdateWebhookEndpoint(ctx context.Context, w model.WebhookEndpoint) error {
	tag, err := t.tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = $1, disabled_reason = $2,
		failing_since = $3, updated_at = $4 WHERE id = $5`,
		w.Enabled, w.DisabledReason, nullTS(w.FailingSince), ts(w.UpdatedAt), w.ID)
	return affectedOne(tag.RowsAffected(), err, "update webhook", w.ID)
}

// DeleteWebhookEndpoint removes an endpoint; its deliveries and attempts cascade.
func (t *tx) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
	return affectedOne(tag.RowsAffected(), err, "delete webhook", id)
}

// EnqueueDeliveries adds deliveries to the outbox, in one round trip.
func (t *tx) EnqueueDeliveries(ctx context.Context, ds []model.WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, d := range ds {
		b.Queue(`INSERT INTO webhook_deliveries (`+deliveryColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			d.ID, d.EndpointID, string(d.Event), d.Body, string(d.State), d.Attempts, ts(d.CreatedAt),
			nullTS(d.NextAttemptAt), nullTS(d.LastAttemptAt), d.LastStatus, d.LastError)
	}
	return wrap("enqueue delivery", t.tx.SendBatch(ctx, &b).Close())
}

// RecordAttempt stores an attempt and the delivery's new state.
func (t *tx) RecordAttempt(ctx context.Context, d model.WebhookDelivery, a model.WebhookAttempt) error {
	tag, err := t.tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = $2,
		next_attempt_at = $3, last_attempt_at = $4, last_status = $5, last_error = $6 WHERE id = $7`,
		string(d.State), d.Attempts, nullTS(d.NextAttemptAt), nullTS(d.LastAttemptAt),
		d.LastStatus, d.LastError, d.ID)
	if err := affectedOne(tag.RowsAffected(), err, "record attempt", d.ID); err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status, error, duration_us)
		VALUES ($1, (SELECT coalesce(max(n), 0) + 1 FROM webhook_attempts WHERE delivery_id = $1), $2, $3, $4, $5)`,
		d.ID, ts(a.At), a.Status, a.Error, a.Duration.Microseconds())
	return wrap("record attempt", err)
}

// FailPending gives up an endpoint's pending deliveries.
func (t *tx) FailPending(ctx context.Context, endpointID string) error {
	_, err := t.tx.Exec(ctx, `UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL
		WHERE endpoint_id = $1 AND state = 'pending'`, endpointID)
	return wrap("fail pending deliveries", err)
}

// PruneDeliveries deletes finished deliveries created before before.
func (t *tx) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM webhook_deliveries
		WHERE state IN ('delivered', 'failed') AND created_at < $1`, ts(before))
	if err != nil {
		return 0, wrap("prune deliveries", err)
	}
	return int(tag.RowsAffected()), nil
}

// ClaimAlert records an alert once.
func (t *tx) ClaimAlert(ctx context.Context, keyID, alert string, at time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx, `INSERT INTO webhook_alerts (key_id, alert, at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, keyID, alert, ts(at))
	if err != nil {
		return false, wrap("claim alert", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimDeliveries leases due deliveries in one statement, outside the writers'
// queue: FOR UPDATE SKIP LOCKED lets every instance claim at once without two
// taking the same row or waiting for each other.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.WebhookDelivery, error) {
	rows, err := s.pool.Query(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $1
		WHERE id IN (
			SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.state = 'pending' AND d.next_attempt_at <= $2 AND e.enabled
			ORDER BY d.next_attempt_at LIMIT $3
			FOR UPDATE OF d SKIP LOCKED)
		RETURNING `+deliveryColumns,
		ts(now.Add(lease)), ts(now), limit)
	if err != nil {
		return nil, wrap("claim deliveries", err)
	}
	return scanDeliveries(rows, "claim deliveries")
}
