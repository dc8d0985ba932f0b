package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Times are stored as INTEGER unix microseconds: exact, sortable, and the
// precision every store keeps (PostgreSQL's timestamptz has the same).

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros stores a nil *time.Time as NULL.
func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// uniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint
// failure on column (as SQLite names it, "table.column").
func uniqueViolation(err error, column string) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		// SQLite's message names the columns, never the values, so it is safe
		// to inspect (and it would be safe to wrap, though we don't).
		return strings.Contains(e.Error(), column)
	}
	return false
}

// exists reports whether a row with this id is in table (a constant of ours).
func exists(ctx context.Context, q querier, table, id string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// wrap prefixes a driver error with what was being done and passes model errors
// through. Driver messages name tables and columns, never the values bound to a
// statement, so no hash, secret or name reaches an error this way.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}
