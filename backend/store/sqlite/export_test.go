package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Pragmas reads the settings that matter from the writer or a reader connection.
func Pragmas(ctx context.Context, s *Store, writer bool) (map[string]string, error) {
	db := s.read
	if writer {
		db = s.write
	}
	out := map[string]string{}
	for _, name := range []string{"journal_mode", "foreign_keys", "synchronous", "busy_timeout", "query_only"} {
		var v sql.NullString
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			return nil, err
		}
		out[name] = v.String
	}
	return out, nil
}

// IntegrityCheck runs PRAGMA integrity_check.
func IntegrityCheck(ctx context.Context, s *Store) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&v)
	return v, err
}

// CacheLoads says how often the key cache read the whole list and how often
// only the changed keys.
func CacheLoads(s *Store) (full, delta int) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.loads.full, s.cache.loads.delta
}

// UncachedKeys lists keys straight from the database, bypassing the cache.
func UncachedKeys(ctx context.Context, s *Store, q store.KeyQuery) ([]model.Key, error) {
	return s.reader.Keys(ctx, q)
}

// ChangedKeysPlan is SQLite's plan for the cache's query of changed keys.
func ChangedKeysPlan(ctx context.Context, s *Store) (string, error) {
	rows, err := s.read.QueryContext(ctx, `EXPLAIN QUERY PLAN `+changedKeysQuery, 0, 0, maxDelta+1)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n"), rows.Err()
}

// CreateAtVersion creates a database file with the migrations up to version
// only, as an older apikeys would have left it.
func CreateAtVersion(ctx context.Context, path string, version int) error {
	if _, err := createPrivate(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(path, modeWrite))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return migrateTo(ctx, db, version)
}

// Exec runs a statement on the write connection, as a tool outside the store
// (the sqlite3 shell, a restore script) might.
func Exec(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.write.ExecContext(ctx, query, args...)
	return err
}

// ParsedInTransactions counts the statements write transactions parsed for
// themselves, having no statement prepared on the writer connection.
func ParsedInTransactions(s *Store) int64 { return s.txMisses.Load() }

// ReplaceWriterConn closes the writer's idle connection, so that the next
// write transaction runs on a new one.
func ReplaceWriterConn(s *Store) {
	s.write.SetMaxIdleConns(0)
	s.write.SetMaxIdleConns(1)
}

// WriterConnsClosed is how many idle connections the writer pool closed.
func WriterConnsClosed(s *Store) int64 { return s.write.Stats().MaxIdleClosed }
