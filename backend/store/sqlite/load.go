package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// loadRows is how many keys one INSERT of LoadKeys carries, loadCols
// parameters each: under SQLite's limit of 32,766 parameters, and a
// statement's run costs far more than binding a row.
const (
	loadRows = 500
	loadCols = 16
)

// LoadKeys inserts keys into the store at path, all in one transaction, as a
// bulk load: for seeding a new store with a million keys (cmd/seed). The
// store must exist (made by Open, which migrated it) and nobody else may have
// it open: LoadKeys takes it for itself and refuses if it can't.
//
// For the length of the load the file drops what makes single writes durable
// and cheap to read, and gets it all back before LoadKeys returns:
//
//   - no fsync (synchronous=OFF) and a rollback journal instead of the WAL, so
//     each page is written once, to the database file (a WAL would hold every
//     page and a checkpoint write it again); the journal keeps the pages that
//     existed before, so a failed load rolls back to them;
//   - api_keys' secondary indexes are dropped and built again from their own
//     definitions in sqlite_schema once the rows are in: sorting a million
//     hashes once beats inserting them one at a time at random places;
//   - a page cache that holds the whole table, and multi-row INSERTs.
//
// Each row is stamped for the change feed as InsertKey stamps it. At the end
// the file is back in WAL mode, synced, and passes PRAGMA quick_check.
func LoadKeys(ctx context.Context, path string, keys iter.Seq[model.Key]) (n int, err error) {
	path, err = filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("sqlite: load: no store at %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", loadDSN(path))
	if err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	defer conn.Close()

	// Out of WAL mode only when no other connection has the file open:
	// otherwise SQLite says it is busy, or keeps the mode it has.
	if err := setJournalMode(ctx, conn, "truncate"); err != nil {
		return 0, err
	}
	n, err = loadKeys(ctx, conn, keys)
	if jerr := setJournalMode(context.WithoutCancel(ctx), conn, "wal"); err == nil {
		err = jerr
	}
	if err != nil {
		return 0, err
	}
	if err := quickCheck(ctx, conn); err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	if err := conn.Close(); err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	if err := db.Close(); err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	// synchronous=OFF left the pages to the OS: one fsync makes them durable.
	if err := syncFile(path); err != nil {
		return 0, fmt.Errorf("sqlite: load: %w", err)
	}
	return n, nil
}

// loadDSN is the loader's one connection: an exclusive lock for the load, no
// fsync, a page cache of up to 2 GiB (allocated as pages are used: a million
// keys take about 400 MiB), and the index builds' sorts in memory, on two
// threads.
func loadDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", "cache_size(-2097152)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "threads(2)")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func setJournalMode(ctx context.Context, conn *sql.Conn, mode string) error {
	var got string
	err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = `+mode).Scan(&got)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY || err == nil && !strings.EqualFold(got, mode) {
		return errors.New("sqlite: load: the store is in use: stop whatever has it open (apikeys serve, the TUI) and load again")
	}
	if err != nil {
		return fmt.Errorf("sqlite: load: journal mode %s: %w", mode, err)
	}
	return nil
}

// loadKeys is LoadKeys' transaction.
func loadKeys(ctx context.Context, conn *sql.Conn, keys iter.Seq[model.Key]) (int, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: load: begin: %w", err)
	}
	defer tx.Rollback()
	restore, stamping, err := clearForLoad(ctx, tx)
	if err != nil {
		return 0, err
	}
	var stamp int64
	if err := tx.QueryRowContext(ctx, `SELECT keys FROM change_seq`).Scan(&stamp); err != nil {
		return 0, wrap("load: read change sequence", err)
	}
	n, err := insertRows(ctx, tx, keys, stamp)
	if err != nil {
		return 0, err
	}
	if stamping {
		if _, err := tx.ExecContext(ctx, `UPDATE change_seq SET keys = ?`, stamp+int64(n)); err != nil {
			return 0, wrap("load: move the change sequence", err)
		}
	}
	for _, def := range restore {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return 0, loadErr(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, wrap("load: commit", err)
	}
	return n, nil
}

// clearForLoad drops api_keys' secondary indexes and, if it is the only
// insert trigger there, the stamp trigger, and returns their definitions to
// run again after the load. stamping says the loader stamps the rows itself.
//
// The indexes come from sqlite_schema, so one a migration adds later is
// rebuilt the same way; the primary key's index can't be dropped. The stamp
// trigger (0002, 0008) costs a fifth of a load, two UPDATEs a row: without it
// row i gets the counter's value plus i, as the trigger would have given it,
// and the counter moves once. Another insert trigger's effect the loader
// can't know, so with one there every trigger stays and runs.
func clearForLoad(ctx context.Context, tx *sql.Tx) (restore []string, stamping bool, err error) {
	indexes, err := schemaOf(ctx, tx, `type = 'index' AND tbl_name = 'api_keys' AND sql IS NOT NULL`)
	if err != nil {
		return nil, false, err
	}
	triggers, err := schemaOf(ctx, tx, `type = 'trigger' AND tbl_name = 'api_keys' AND upper(sql) LIKE '%INSERT ON%'`)
	if err != nil {
		return nil, false, err
	}
	drop := map[string]string{}
	for name := range indexes {
		drop[name] = "INDEX"
	}
	stamping = triggers.only(stampTrigger)
	if stamping {
		drop[stampTrigger] = "TRIGGER"
	} else {
		triggers = nil
	}
	for name, kind := range drop {
		if _, err := tx.ExecContext(ctx, `DROP `+kind+` "`+name+`"`); err != nil {
			return nil, false, wrap("load: drop "+name, err)
		}
	}
	return append(slices.Collect(maps.Values(indexes)), slices.Collect(maps.Values(triggers))...), stamping, nil
}

// insertRows inserts the keys loadRows at a time, stamping row i with
// stamp+i.
func insertRows(ctx context.Context, tx *sql.Tx, keys iter.Seq[model.Key], stamp int64) (int, error) {
	full, err := tx.PrepareContext(ctx, loadInsert(loadRows))
	if err != nil {
		return 0, wrap("load: prepare", err)
	}
	defer full.Close()
	args := make([]any, 0, loadRows*loadCols)
	flush := func() error {
		st := full
		if rows := len(args) / loadCols; rows < loadRows {
			var err error
			if st, err = tx.PrepareContext(ctx, loadInsert(rows)); err != nil {
				return loadErr(err)
			}
			defer st.Close()
		}
		_, err := st.ExecContext(ctx, args...)
		args = args[:0]
		return loadErr(err)
	}
	n := 0
	for k := range keys {
		n++
		args = append(args, k.ID, k.Name, string(k.Type), k.Hint, k.Hash, micros(k.CreatedAt), k.CreatedBy,
			micros(k.ExpiresAt), nullMicros(k.LastUsedAt), k.LastUsedAddr, k.RotatedFrom, k.ReplacedBy,
			nullMicros(k.DeletedAt), micros(k.UpdatedAt), k.UpdatedBy, stamp+int64(n))
		if n%loadRows == 0 {
			if err := flush(); err != nil {
				return 0, err
			}
			if ctx.Err() != nil {
				return 0, fmt.Errorf("sqlite: load: %w", ctx.Err())
			}
		}
	}
	if len(args) > 0 {
		if err := flush(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// stampTrigger is the trigger that stamps inserted keys for the change feed.
const stampTrigger = "api_keys_stamp_insert"

// schemaObjects are definitions from sqlite_schema, by name.
type schemaObjects map[string]string

// schemaOf reads the names and definitions of the schema objects where
// selects.
func schemaOf(ctx context.Context, tx *sql.Tx, where string) (schemaObjects, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE `+where)
	if err != nil {
		return nil, wrap("load: read the schema", err)
	}
	defer rows.Close()
	out := schemaObjects{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, wrap("load: read the schema", err)
		}
		out[name] = def
	}
	return out, wrap("load: read the schema", rows.Err())
}

// only reports whether name is the one object.
func (o schemaObjects) only(name string) bool {
	_, ok := o[name]
	return ok && len(o) == 1
}

// loadErr says which keys a failed load refused.
func loadErr(err error) error {
	switch {
	case uniqueViolation(err, "api_keys.id"):
		return errors.New("sqlite: load: two keys have the same id, or a key's id is already in the store: nothing was loaded")
	case uniqueViolation(err, "api_keys.hash"):
		return errors.New("sqlite: load: two keys have the same secret, or a key's secret is already in the store: nothing was loaded")
	}
	return wrap("load", err)
}

// loadInsert is an INSERT of rows keys, their columns in the order loadKeys
// binds them.
func loadInsert(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT OR ROLLBACK INTO api_keys (id, name, type, hint, hash, created_at, created_by, expires_at,
		last_used_at, last_used_addr, rotated_from, replaced_by, deleted_at, updated_at, updated_by,
		change_seq, version) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(" + strings.Repeat("?,", loadCols) + "1)") // version 1
	}
	return b.String()
}
