// Package postgres is the store for several `apikeys serve` instances sharing one
// PostgreSQL database, through pgx/v5 and its pool. Its embedded migrations are
// applied at Open under an advisory lock, so instances starting together don't
// race each other.
//
// Consistency across instances rests on three choices:
//
//   - No cache. Every read goes to the database, so a key deleted or a member
//     deactivated through one instance is refused by every other instance at
//     once; there is nothing to invalidate (no LISTEN/NOTIFY needed). A key look-up
//     by hash is one indexed query.
//   - Versions are checked in the UPDATE that writes (WHERE id = … AND version =
//     …), so of two instances editing one row, the second always sees a conflict.
//   - Writers are serialised across instances by a transaction-scoped advisory
//     lock taken in the same round trip as BEGIN. Version checks guard single
//     rows, but some rules span rows ("the last active primary owner can't be
//     demoted" is a count, then an update); under READ COMMITTED two instances
//     could each see two owners and demote one each. With writers in one queue the
//     backend's rules hold exactly as on SQLite, which serialises writers too.
//     Writes are admin actions, so one queue costs nothing noticeable; the
//     per-use TouchKey write stays outside it (one conditional single-row UPDATE).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/apikeys-dev/apikeys/backend/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys, one per purpose ("apk" + m or w in ASCII). Advisory locks
// are per database, so other applications sharing the cluster don't collide
// unless they pick the same numbers in the same database.
const (
	migrationLock int64 = 0x61706b6d
	writerLock    int64 = 0x61706b77
)

// beginWrite starts a write transaction and queues behind other writers in one
// round trip: pgx sends a BeginQuery without arguments over the simple protocol,
// which runs both statements. READ COMMITTED is enough once writers are queued:
// each statement sees everything committed before the lock was granted.
var beginWrite = fmt.Sprintf("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d)", writerLock)

// defaultMaxConns is the pool size unless the URL sets pool_max_conns. pgx's own
// default is the number of CPUs (at least 4); verifications are short reads, but
// an SSH server with many sessions reads a lot at once.
const defaultMaxConns = 10

// maxAttempts bounds how often Update runs fn when PostgreSQL aborts the
// transaction with a serialisation failure or a deadlock.
const maxAttempts = 5

// Store is the PostgreSQL implementation of store.Store. It is safe for
// concurrent use, by many goroutines and by many processes on one database.
type Store struct {
	reader
	pool *pgxpool.Pool

	// writer admits one Update of this instance at a time to the database-wide
	// writer queue. Without it every queued Update would hold a pooled connection
	// while it waits for the advisory lock, and a burst of writes could take
	// every connection from the reads (verifications) and from the lock holder.
	writer chan struct{}

	addrKept  atomic.Int64 // key_addresses holds no day before this one (TouchKeys prunes)
	usageKept atomic.Value // string: key_usage holds no day before this one (RecordUsage prunes)

	watchers  store.Watchers
	syncs     syncs           // Syncs waiting for their token to come back (feed.go)
	listening chan struct{}   // closed once the listener first listened or failed
	stopCtx   context.Context // ends at Close: stops the listener
	stop      context.CancelFunc
	watchDone store.Workers
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:password@host:port/db?…;
// pool settings such as pool_max_conns may be added as query parameters) and
// applies the migrations it has not seen yet.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message quotes the URL with the password masked only on a best
		// effort basis, so it stays out.
		return nil, errors.New("postgres: the database URL can't be parsed: want postgres://user:password@host:5432/dbname?sslmode=…")
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "apikeys"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{reader: reader{q: pool}, pool: pool, writer: make(chan struct{}, 1), listening: make(chan struct{}),
		syncs: syncs{nonce: rand.Uint64()}}
	s.stopCtx, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// migrate applies the pending migrations in one transaction, holding an advisory
// lock for its length, so of several instances opening a new database at once one
// migrates and the others then find nothing left to do. PostgreSQL DDL is
// transactional: a failed migration leaves the schema as it was.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)

	// READ COMMITTED (the default) matters here: each statement after the lock
	// takes a new snapshot and so sees the migrations of whoever held it before.
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		latest := 0
		for _, name := range names {
			v, err := migrationVersion(name)
			if err != nil {
				return err
			}
			latest = max(latest, v)
			if v <= current {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// No arguments: pgx uses the simple protocol, which runs a file of
			// several statements.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", path.Base(name), err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("record migration %s: %w", path.Base(name), err)
			}
		}
		if current > latest {
			return fmt.Errorf("the database has schema version %d but this apikeys knows only up to %d: use a newer apikeys", current, latest)
		}
		return nil
	})
}

// migrationVersion reads the number a migration file name starts with: 0001_init.sql → 1.
func migrationVersion(name string) (int, error) {
	base := path.Base(name)
	num, _, ok := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %q: name must start with a positive number and '_'", base)
	}
	return v, nil
}

// Update runs fn in a write transaction, queued behind the writers of every
// instance, and commits if fn returns nil. fn must not call Update itself: the
// inner call would wait for the queue the outer one holds. If PostgreSQL aborts the transaction
// with a serialisation failure or a deadlock, fn runs again in a new transaction,
// up to maxAttempts times, so fn must not have effects outside the transaction.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		// A short random pause, growing with each attempt, so the transactions
		// that collided don't collide again.
		pause := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	var notices []store.Notice
	err := s.writeTx(ctx, func(pt pgx.Tx) error {
		rec := &store.RecordingTx{Tx: &tx{reader: reader{q: pt}, tx: pt}}
		if err := fn(rec); err != nil {
			return err
		}
		notices = rec.Notices
		return notify(ctx, pt, rec.Notices)
	})
	if err != nil {
		return err
	}
	s.watchers.Publish(notices)
	return nil
}

// writeTx runs fn in a write transaction, queued behind this instance's other
// writers and then every instance's, and commits if fn returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(pgx.Tx) error) error {
	select {
	case s.writer <- struct{}{}:
		defer func() { <-s.writer }()
	case <-ctx.Done():
		return fmt.Errorf("postgres: begin: %w", ctx.Err())
	}
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginWrite})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		// A no-op after Commit. Reached too when fn fails or panics: the
		// connection must go back to the pool clean, even if ctx has ended.
		_ = pt.Rollback(context.WithoutCancel(ctx))
	}()
	if err := fn(pt); err != nil {
		return err
	}
	if err := pt.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable reports whether err is PostgreSQL giving up on a transaction that
// would succeed if run again: a serialisation failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Close waits for borrowed connections to come back and closes the pool.
func (s *Store) Close() error {
	s.stop()
	s.watchDone.Stop()
	s.pool.Close()
	return nil
}

// querier is what reads and writes need from the pool and from a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader implements store.Reader over the pool or inside a transaction. Every read
// is a single statement, so even on the pool it sees one consistent snapshot (a
// member and its SSH keys come from the same moment).
type reader struct {
	q querier
}

// tx is one write transaction; its reads see its own writes.
type tx struct {
	reader
	tx pgx.Tx
}

var _ store.Tx = (*tx)(nil)
