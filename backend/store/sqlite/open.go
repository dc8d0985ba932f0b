// Package sqlite is the embedded store: one SQLite file through the pure-Go
// modernc.org/sqlite driver, in WAL mode, with embedded migrations applied at Open.
//
// Writers are serialised through a single connection that begins every
// transaction with BEGIN IMMEDIATE, so concurrent Update calls queue instead of
// failing with SQLITE_BUSY; readers use a separate pool and, thanks to WAL, never
// wait for a writer. The key list is cached and checked against PRAGMA
// data_version before each use (see keycache.go), so it is never stale, even
// when another process writes the same file; after a commit only the keys it
// changed are read again, found by a change sequence that triggers maintain.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeout is how long a statement waits for another process's write lock
// (the CLI writing while `apikeys serve` runs on the same file) before failing.
const busyTimeout = 10 * time.Second

// readConns bounds the read pool. WAL readers run in parallel, but a 2-core
// machine gains nothing from dozens of connections, each with its own page cache.
const readConns = 8

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite implementation of store.Store. It is safe for concurrent use.
type Store struct {
	reader
	write *sql.DB // one connection: every write transaction goes through it; nil when read-only
	read  *sql.DB // query-only connections for reads outside transactions
	cache *keyCache

	readStmts  poolStmts    // on the read pool
	writeStmts poolStmts    // on the writer connection (see stmts.go); nil when read-only
	txMisses   atomic.Int64 // statements prepared for one write transaction only

	readOnlyErr error        // what Update and TouchKey return on a read-only store
	addrKept    atomic.Int64 // key_addresses holds no day before this one (TouchKeys prunes)
	usageKept   atomic.Value // string: key_usage holds no day before this one (RecordUsage prunes)

	watchers  store.Watchers
	stopCtx   context.Context // ends at Close: stops the watcher
	stop      context.CancelFunc
	watchDone store.Workers
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, with its parent directory
// (mode 0700) and the file itself (mode 0600), and applies pending migrations.
// A relative path is taken from the working directory, once, here.
//
// When the directory or the file can't be written (its mode has no write bit,
// or this user may not write it), Open opens the database read-only instead:
// reads work, and Update and TouchKey fail with ReadOnlyError.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open: want a file path, got %q", path)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if readOnly(filepath.Dir(path)) || readOnly(path) {
		return openReadOnly(ctx, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	created, err := createPrivate(path)
	if err != nil {
		return nil, err
	}

	write, err := sql.Open("sqlite", dsn(path, modeWrite))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		if created {
			// Leave nothing behind that a later run would take for a database.
			removeDatabase(path)
		}
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", dsn(path, modeRead))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s, err := newStore(ctx, read, write)
	if s != nil {
		s.reader.raw = newRawPool(dsn(path, modeRead))
	}
	return s, err
}

// newStore finishes Open: the read pool's settings, prepared statements, the
// key cache. write is nil for a read-only store.
func newStore(ctx context.Context, read, write *sql.DB) (*Store, error) {
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	read.SetConnMaxIdleTime(5 * time.Minute)

	s := &Store{reader: reader{q: read, db: read}, write: write, read: read}
	var err error

	s.stopCtx, s.stop = context.WithCancel(context.Background())
	s.readStmts, err = prepare(ctx, read, keyByIDQuery, keyByHashQuery, lastUsedQuery,
		memberByIDQuery, memberByEmailQuery, memberBySSHKeyQuery)
	s.reader.stmts = s.readStmts
	if err == nil && write != nil {
		s.writeStmts, err = prepare(ctx, write, writeQueries...)
	}
	if err == nil {
		s.cache, err = newKeyCache(ctx, read)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// createPrivate makes sure the database file exists with mode 0600 before SQLite
// opens it: SQLite would create it with the umask's mode (usually 0644), and it
// gives the -wal and -shm files the same mode as the database file. created
// says the file did not exist before.
func createPrivate(path string) (created bool, err error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("sqlite: create database file: %w", err)
	}
	defer f.Close()
	created = errors.Is(statErr, fs.ErrNotExist)
	fi, err := f.Stat()
	if err != nil {
		return created, fmt.Errorf("sqlite: database file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// Metadata of API keys and members is nobody else's business; tighten a
		// file that was created or copied with a looser mode.
		if err := f.Chmod(0o600); err != nil {
			return created, fmt.Errorf("sqlite: make database file private: %w", err)
		}
	}
	return created, nil
}

// removeDatabase removes a database file Open created and could not set up.
func removeDatabase(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Remove(p)
	}
}

// dsn sets every pragma through _pragma parameters so each pooled connection
// gets them when it is opened, not only the first one.
//
// synchronous=FULL: in WAL mode NORMAL already survives a killed process (a
// commit is in the WAL, in the OS page cache, before COMMIT returns), but it may
// lose the last commits on power loss or an OS crash. A key whose secret was
// shown to an admin must not vanish, and writes here are rare admin actions
// (plus at most one last-used touch a minute per key), so the fsync per commit
// is worth it. See the package benchmarks for its cost.
//
// The URI is "file:" and the escaped path with no authority: url.URL would write
// a relative path as file://data/apikeys.db, which SQLite reads as host "data".
func dsn(path string, mode openMode) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	q.Add("_pragma", "foreign_keys(1)")
	switch mode {
	case modeReadOnly:
		q.Set("mode", "ro")
	case modeImmutable:
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	}
	if mode == modeWrite {
		// journal_mode is persistent in the file; the writer sets it at Open,
		// before any reader connects.
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		// 64 MiB of page cache (SQLite's default is 2 MiB) for the one writer:
		// a transaction inserting many keys touches pages of the id and hash
		// indexes at random, and with a small cache each page is written to the
		// WAL again and again (seeding a million keys spent half its time in
		// write(2)). Pages are cached only as they are touched.
		q.Add("_pragma", "cache_size(-65536)")
		// Checkpoint once the WAL holds 64 MiB, not SQLite's default 4 MiB.
		// Last uses of many distinct keys dirty pages all over api_keys: with
		// 100,000 keys checked at random, each 100 ms batch of uses filled the
		// default WAL and the commit ran a checkpoint (7% of serve's CPU),
		// writing the same pages to the file again and again. A larger WAL
		// writes each page once per checkpoint; readers find pages through the
		// WAL index whatever its size, and Close checkpoints it all.
		q.Add("_pragma", "wal_autocheckpoint(16384)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// openMode is how dsn opens the file.
type openMode int

const (
	modeWrite     openMode = iota // the single writer connection
	modeRead                      // the read pool beside it
	modeReadOnly                  // a read-only store: mode=ro
	modeImmutable                 // a read-only store that can't even read the WAL index: immutable=1
)

// migrate applies the embedded migrations that the database has not seen yet, in
// one IMMEDIATE transaction, so two processes opening a new file at once do not
// both run them.
func migrate(ctx context.Context, db *sql.DB) error { return migrateTo(ctx, db, math.MaxInt) }

// migrateTo is migrate up to and including version upTo; tests use it to make
// databases as an older apikeys left them.
func migrateTo(ctx context.Context, db *sql.DB, upTo int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migrations: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}

	latest := 0
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return err
		}
		if v > upTo {
			continue
		}
		latest = max(latest, v)
		if v <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", filepath.Base(name), err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("record migration %s: %w", filepath.Base(name), err)
		}
	}
	if current > latest {
		return fmt.Errorf("the database has schema version %d but this apikeys knows only up to %d: use a newer apikeys", current, latest)
	}
	return tx.Commit()
}

// migrationVersion reads the number a migration file name starts with: 0001_init.sql → 1.
func migrationVersion(name string) (int, error) {
	base := filepath.Base(name)
	num, _, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %q: name must start with a positive number and '_'", base)
	}
	return v, nil
}

// Update runs fn in a write transaction (BEGIN IMMEDIATE on the single write
// connection) and commits if fn returns nil. fn must not call Update itself: the
// inner call would wait for the connection the outer one holds.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.write == nil {
		return s.readOnlyErr
	}
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Also reached when fn panics: the connection must go back clean.
			sqlTx.Rollback()
		}
	}()
	stmts := &txStmts{tx: sqlTx, writer: s.writeStmts, misses: &s.txMisses}
	rec := &store.RecordingTx{Tx: &tx{reader: reader{q: sqlTx, stmts: stmts}, tx: sqlTx, stmts: stmts}}
	if err := fn(rec); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	committed = true
	s.watchers.Publish(rec.Notices)
	return nil
}

// Close closes both pools. Closing the last connection checkpoints the WAL into
// the database file.
func (s *Store) Close() error {
	var errs []error
	s.stop()
	s.watchDone.Stop()
	if s.cache != nil {
		errs = append(errs, s.cache.close())
	}
	errs = append(errs, s.readStmts.close(), s.writeStmts.close())
	if s.raw != nil {
		s.raw.close()
	}
	errs = append(errs, s.read.Close())
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// tx is one write transaction; its reads see its own writes.
type tx struct {
	reader
	tx    *sql.Tx
	stmts *txStmts
}

// exec runs a write through a prepared statement: the writer connection's, or
// one prepared for this transaction (stmts.go).
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmts.forExec(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

var _ store.Tx = (*tx)(nil)

// querier is what reads and writes need from *sql.DB and *sql.Tx alike.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements store.Reader over the read pool or inside a transaction.
type reader struct {
	q     querier
	db    *sql.DB    // the read pool, nil inside a transaction
	stmts statements // the pool's prepared statements, or the transaction's; may be nil
	raw   *rawPool   // connections beside the read pool (rawread.go); nil inside a transaction
}

// stmt is query's prepared statement, or nil.
func (r reader) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.stmts == nil {
		return nil
	}
	return r.stmts.prepared(ctx, query)
}

// queryRow runs a one-row query, through its prepared statement if it has one.
func (r reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.q.QueryRowContext(ctx, query, args...)
}

// query runs a query, through its prepared statement if it has one.
func (r reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.q.QueryContext(ctx, query, args...)
}

// snapshot runs fn with one consistent view of the database: inside a transaction
// that is the transaction; on the pool it is a short read transaction, so a read
// made of several queries (a member and its SSH keys) can't see half a write.
func (r reader) snapshot(ctx context.Context, fn func(q querier) error) error {
	if r.db == nil {
		return fn(r.q)
	}
	t, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer t.Rollback()
	return fn(t)
}
