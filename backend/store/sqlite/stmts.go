package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// Prepared statements. Parsing a statement costs more than running it in the
// pure-Go driver: a one-row look-up parses and plans in twice the time it runs
// (45µs → 19µs per KeyByHash), and an INSERT into api_keys or audit_events
// compiles the change-feed triggers with it. A key create parsed six statements
// and spent a quarter of its CPU there (BenchmarkCreateKey in backend/).
//
// So the queries that recur are prepared once per store: reads on the read pool,
// the statements of write transactions on the writer connection. database/sql
// keeps a *sql.Stmt prepared on every connection it has run on; Tx.StmtContext
// hands a transaction the one prepared on its own connection (or prepares it
// there, once, if the pool replaced the connection). A statement prepared on a
// connection outlives its transactions, committed or rolled back: SQLite keeps a
// prepared statement until it is finalized, and re-prepares it by itself if the
// schema changed under it.

// statements finds a query's prepared statement.
type statements interface {
	// prepared returns the statement prepared for query, or nil: run the text.
	prepared(ctx context.Context, query string) *sql.Stmt
}

// poolStmts are statements prepared on a pool, by query text.
type poolStmts map[string]*sql.Stmt

func (p poolStmts) prepared(_ context.Context, query string) *sql.Stmt { return p[query] }

func (p poolStmts) close() error {
	var first error
	for _, st := range p {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// prepare readies queries on the pool.
func prepare(ctx context.Context, db *sql.DB, queries ...string) (poolStmts, error) {
	m := poolStmts{}
	for _, q := range queries {
		if m[q] != nil {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		m[q] = st
	}
	return m, nil
}

// writeQueries are the statements write transactions run, prepared on the
// writer connection at Open: every statement of a key create, edit, rotation
// or deletion, of member changes, and of the webhook outbox and worker. A
// statement missing here still works, parsed each time it runs, or once per
// transaction when it is a write (txStmts.forExec): what a transaction
// inserting thousands of rows wants. TestKeyChangesParseNoSQL catches a common
// one missing.
var writeQueries = []string{
	keyByIDQuery, memberByIDQuery,
	insertKeyQuery, updateKeyQuery, appendEventQuery, appendEventKeyQuery,
	insertMemberQuery, updateMemberQuery, insertSSHKeyQuery, removeSSHKeyQuery,
	endpointsQuery, endpointQuery, enqueueDeliveryQuery, updateEndpointQuery,
	recordAttemptQuery, insertAttemptQuery, claimAlertQuery, claimDeliveriesQuery,
}

// txStmts binds the writer's prepared statements to one transaction, each at
// most once, and prepares the statements it doesn't have for the transaction
// alone.
type txStmts struct {
	tx     *sql.Tx
	writer poolStmts
	bound  map[string]*sql.Stmt
	// misses counts, over the store's life, the queries of write
	// transactions that had no statement on the writer: each was parsed for
	// its transaction (tests read it).
	misses *atomic.Int64
}

func (t *txStmts) prepared(ctx context.Context, query string) *sql.Stmt {
	if st := t.bound[query]; st != nil {
		return st
	}
	w := t.writer[query]
	if w == nil {
		t.misses.Add(1)
		return nil
	}
	// StmtContext never fails outright: an error (the connection went bad)
	// stays in the statement and comes out of its first use.
	st := t.tx.StmtContext(ctx, w)
	t.keep(query, st)
	return st
}

func (t *txStmts) keep(query string, st *sql.Stmt) {
	if t.bound == nil {
		t.bound = make(map[string]*sql.Stmt, 8)
	}
	t.bound[query] = st
}

// forExec is the statement to run query with in this transaction: the
// writer's, or one prepared now for the rest of the transaction (a bulk insert
// runs the same text thousands of times). Statements of a transaction close
// with it.
func (t *txStmts) forExec(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.prepared(ctx, query); st != nil {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	t.keep(query, st)
	return st, nil
}
