package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Times go to timestamptz, which keeps microseconds; the store truncates first so
// the value written is the value read back, as in the SQLite store, and returns
// UTC whatever the session's time zone.

func ts(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

func nullTS(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// uniqueMessages names, for each unique index, what an admin is told when a write
// would break it. Most writes avoid the error with ON CONFLICT DO NOTHING (an error
// would abort the whole transaction); this is the net under the others.
var uniqueMessages = map[string]string{
	"workspace_pkey":       "The workspace already exists.",
	"members_pkey":         "A member with this id already exists.",
	"members_email":        "A member with this email already exists.",
	"member_ssh_keys_pkey": "This SSH key already belongs to a member.",
	"api_keys_pkey":        "An API key with this id already exists.",
	"api_keys_hash":        "An API key with this secret already exists.",
	"audit_events_pkey":    "An audit event with this id already exists.",
}

// wrap prefixes a driver error with what was being done and passes model errors
// through. A unique violation (SQLSTATE 23505) becomes KindConflict. The text of
// a PostgreSQL error is its message only; the detail, which can quote the
// conflicting values (a hash), is never included.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		if msg, ok := uniqueMessages[pe.ConstraintName]; ok {
			return model.Conflict("%s", msg)
		}
		return model.Conflict("This would duplicate a row that must be unique (%s).", pe.ConstraintName)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// exists reports whether a row with this id is in table (a constant of ours).
func exists(ctx context.Context, q querier, table, id string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}

// Workspace returns the workspace, or KindNotFound before it is created.
func (r reader) Workspace(ctx context.Context) (model.Workspace, error) {
	var w model.Workspace
	err := r.q.QueryRow(ctx, `SELECT id, name, created_at FROM workspace`).Scan(&w.ID, &w.Name, &w.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Workspace{}, model.NotFound("No workspace has been created yet.")
	}
	if err != nil {
		return model.Workspace{}, wrap("read workspace", err)
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return w, nil
}

// PageTokenKey returns the workspace's page token key, or KindNotFound before
// the workspace is created.
func (r reader) PageTokenKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := r.q.QueryRow(ctx, `SELECT page_token_key FROM workspace`).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, model.NotFound("No workspace has been created yet.")
	}
	if err != nil {
		return nil, wrap("read page token key", err)
	}
	return key, nil
}

// CreateWorkspace stores the workspace with a new page token key; KindConflict
// if one exists.
func (t *tx) CreateWorkspace(ctx context.Context, w model.Workspace) error {
	key, err := store.NewPageTokenKey()
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO workspace (id, name, created_at, page_token_key) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, w.ID, w.Name, ts(w.CreatedAt), key)
	if err != nil {
		return wrap("create workspace", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Conflict("The workspace already exists.")
	}
	return nil
}
