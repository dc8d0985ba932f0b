package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/apikeys-dev/apikeys/backend/store"

	"github.com/apikeys-dev/apikeys/model"
)

// Workspace returns the workspace, or KindNotFound before it is created.
func (r reader) Workspace(ctx context.Context) (model.Workspace, error) {
	var w model.Workspace
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT id, name, created_at FROM workspace WHERE singleton = 1`).
		Scan(&w.ID, &w.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Workspace{}, model.NotFound("No workspace has been created yet.")
	}
	if err != nil {
		return model.Workspace{}, wrap("read workspace", err)
	}
	w.CreatedAt = fromMicros(created)
	return w, nil
}

// PageTokenKey returns the workspace's page token key, or KindNotFound before
// the workspace is created.
func (r reader) PageTokenKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := r.q.QueryRowContext(ctx, `SELECT page_token_key FROM workspace WHERE singleton = 1`).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err = t.tx.ExecContext(ctx, `INSERT INTO workspace (singleton, id, name, created_at, page_token_key) VALUES (1, ?, ?, ?, ?)`,
		w.ID, w.Name, micros(w.CreatedAt), key)
	if uniqueViolation(err, "workspace.singleton") {
		return model.Conflict("The workspace already exists.")
	}
	return wrap("create workspace", err)
}
