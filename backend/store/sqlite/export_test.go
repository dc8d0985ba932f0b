package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"os"
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

// PagesWritten runs fn and counts, by table or index, the pages its commits
// wrote to the WAL. The WAL is checkpointed and emptied first; nothing else
// may write meanwhile.
func PagesWritten(ctx context.Context, s *Store, fn func() error) (map[string]int, error) {
	var busy, logged, moved int
	if err := s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return nil, err
	}
	if busy != 0 {
		return nil, errors.New("the checkpoint could not empty the WAL")
	}
	var seq int
	var name, file string
	if err := s.write.QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		return nil, err
	}
	if err := fn(); err != nil {
		return nil, err
	}
	wal, err := os.ReadFile(file + "-wal")
	if err != nil {
		return nil, err
	}
	if len(wal) < 32 {
		return map[string]int{}, nil
	}
	// The WAL: a 32-byte header (the page size at bytes 8-11), then frames of a
	// 24-byte header (the page number first) and the page.
	pageSize := int(binary.BigEndian.Uint32(wal[8:]))
	frames := map[uint32]int{}
	for off := 32; off+24+pageSize <= len(wal); off += 24 + pageSize {
		frames[binary.BigEndian.Uint32(wal[off:])]++
	}
	rows, err := s.write.QueryContext(ctx, `SELECT name, pageno FROM dbstat`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var page uint32
		if err := rows.Scan(&name, &page); err != nil {
			return nil, err
		}
		if n, ok := frames[page]; ok {
			out[name] += n
		}
	}
	return out, rows.Err()
}

// Schema lists the schema's objects, "type name: definition", sorted.
func Schema(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, rows.Err()
}

// ChangeStamps reads the key change counter and the highest stamp on a key.
func ChangeStamps(ctx context.Context, s *Store) (counter, highest int64, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT (SELECT keys FROM change_seq), (SELECT coalesce(max(change_seq), 0) FROM api_keys)`).
		Scan(&counter, &highest)
	return counter, highest, err
}

// EventsPlan is SQLite's plan for Events(q).
func EventsPlan(ctx context.Context, s *Store, q store.EventQuery) (string, error) {
	query, args := eventsQuery(q)
	rows, err := s.read.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
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

// WriterWaits is how often a write waited for the writer connection.
func WriterWaits(s *Store) int64 { return s.write.Stats().WaitCount }
