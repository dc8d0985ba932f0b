package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// rawConn is a read-only connection through SQLite's own C API (modernc's
// transpiled library, the one the driver wraps), for the reads of many rows:
// the key index's walk of every key, pages of audit events. Through the driver
// each column of each row costs a call to learn its type, one or two to read
// it (each taking the connection's mutex: the driver opens connections
// FULLMUTEX) and, for text, a Go allocation and a copy: on a million keys that
// was half of loading the key index. Here the connection is opened NOMUTEX (a
// rawPool hands it to one goroutine at a time), a column is one call, and text
// is read in place, valid until the next step.
type rawConn struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr // prepared statements by query, at most rawStmts
}

// rawStmts is how many statements a rawConn keeps prepared: a page's
// statement differs with its filters, and preparing it was 6% of a page.
const rawStmts = 16

// openRaw opens the database at uri (a "file:" URI as dsn writes it: SQLite
// reads mode and immutable from it and ignores the driver's parameters) for
// reading only, with the read pool's busy timeout.
func openRaw(uri string) (*rawConn, error) {
	c := &rawConn{tls: libc.NewTLS(), stmts: map[string]uintptr{}}
	name, err := libc.CString(uri)
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	pdb := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pdb, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX|sqlite3.SQLITE_OPEN_URI, 0)
	c.db = *(*uintptr)(unsafe.Add(nil, pdb))
	c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	libc.Xfree(c.tls, name)
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.Close()
		return nil, err
	}
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, int32(busyTimeout.Milliseconds()))
	return c, nil
}

// Close closes the connection.
func (c *rawConn) Close() {
	for _, st := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, st)
	}
	clear(c.stmts)
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}

func (c *rawConn) err(rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	if c.db != 0 {
		if m := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); m != "" && m != msg {
			msg += ": " + m
		}
	}
	return fmt.Errorf("%s (%d)", msg, rc)
}

// each runs query with args (int64 or string; ? placeholders in order) and
// calls fn with every row, checking ctx every few thousand rows. What fn reads
// of a row is valid until fn returns.
func (c *rawConn) each(ctx context.Context, query string, args []any, fn func(r rawRow) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := c.prepare(query)
	if err != nil {
		return err
	}
	var texts []uintptr // bound static: SQLite reads them until the reset
	defer func() {
		sqlite3.Xsqlite3_reset(c.tls, st)
		sqlite3.Xsqlite3_clear_bindings(c.tls, st)
		for _, p := range texts {
			libc.Xfree(c.tls, p)
		}
		if len(c.stmts) < rawStmts {
			c.stmts[query] = st
		} else {
			sqlite3.Xsqlite3_finalize(c.tls, st)
		}
	}()
	for i, a := range args {
		var rc int32
		switch v := a.(type) {
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, st, int32(i+1), v)
		case int:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, st, int32(i+1), int64(v))
		case string:
			p, err := libc.CString(v)
			if err != nil {
				return err
			}
			texts = append(texts, p)
			rc = sqlite3.Xsqlite3_bind_text(c.tls, st, int32(i+1), p, int32(len(v)), 0)
		default:
			return fmt.Errorf("sqlite: a parameter of type %T", a)
		}
		if rc != sqlite3.SQLITE_OK {
			return c.err(rc)
		}
	}
	r := rawRow{tls: c.tls, st: st}
	for n := 1; ; n++ {
		switch rc := sqlite3.Xsqlite3_step(c.tls, st); rc {
		case sqlite3.SQLITE_ROW:
			if err := fn(r); err != nil {
				return err
			}
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return c.err(rc)
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// prepare is query's statement, taken out of the cache or new; each puts it back.
func (c *rawConn) prepare(query string) (uintptr, error) {
	if st, ok := c.stmts[query]; ok {
		delete(c.stmts, query)
		return st, nil
	}
	q, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, q)
	pst := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, q, -1, pst, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.err(rc)
	}
	return *(*uintptr)(unsafe.Add(nil, pst)), nil
}

// rawPool keeps a few rawConns open for reads that come often (pages of audit
// events): opening one reads the schema. At most readConns are open at once,
// as in the read pool.
type rawPool struct {
	dsn    string
	inUse  chan struct{} // a token per connection handed out
	mu     sync.Mutex
	idle   []*rawConn
	closed bool
}

func newRawPool(dsn string) *rawPool {
	return &rawPool{dsn: dsn, inUse: make(chan struct{}, readConns)}
}

// get is an idle connection, or a new one; it waits while readConns are out.
func (p *rawPool) get(ctx context.Context) (*rawConn, error) {
	select {
	case p.inUse <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := p.take()
	if err != nil {
		<-p.inUse
	}
	return c, err
}

func (p *rawPool) take() (*rawConn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, errors.New("sqlite: the store is closed")
	}
	if p.dsn == "" {
		return nil, errors.New("sqlite: no database file to read")
	}
	return openRaw(p.dsn)
}

// put gives back a connection get handed out.
func (p *rawPool) put(c *rawConn) {
	p.mu.Lock()
	if !p.closed {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
	<-p.inUse
}

// close closes the idle connections; those in use close as they come back.
func (p *rawPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// rawRow is the row a statement stands on.
type rawRow struct {
	tls *libc.TLS
	st  uintptr
}

func (r rawRow) null(i int32) bool {
	return sqlite3.Xsqlite3_column_type(r.tls, r.st, i) == sqlite3.SQLITE_NULL
}

// int64 is column i as an integer (NULL: 0; text and blobs converted as SQLite
// converts them).
func (r rawRow) int64(i int32) int64 { return sqlite3.Xsqlite3_column_int64(r.tls, r.st, i) }

// bytes is column i's text or blob in SQLite's memory, valid until the next
// step; NULL and empty: nil.
func (r rawRow) bytes(i int32) []byte {
	p := sqlite3.Xsqlite3_column_blob(r.tls, r.st, i)
	n := sqlite3.Xsqlite3_column_bytes(r.tls, r.st, i)
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(nil, p)), n)
}
