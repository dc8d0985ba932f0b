package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// touchInterval is how often last-used is written per key at most: a busy key
// would otherwise turn every authentication into a write.
const touchInterval = time.Minute

// keyColumns is the SELECT list scanKey reads; the joins fill the names of the
// members who created and last changed the key (empty if they are not members).
const keyColumns = `
	SELECT k.id, k.name, k.type, k.hint, k.hash, k.created_at, k.created_by,
	       coalesce(c.name, ''), k.expires_at, k.last_used_at, k.last_used_addr,
	       k.rotated_from, k.replaced_by, k.deleted_at, k.updated_at, k.updated_by,
	       coalesce(u.name, ''), k.version, iif(k.owner_id = '', k.created_by, k.owner_id), coalesce(o.name, '')
	FROM api_keys k
	LEFT JOIN members c ON c.id = k.created_by
	LEFT JOIN members u ON u.id = k.updated_by
	LEFT JOIN members o ON o.id = iif(k.owner_id = '', k.created_by, k.owner_id)`

// Queries run on every authentication; Open prepares them on the read pool.
const (
	keyByIDQuery   = keyColumns + ` WHERE k.id = ?`
	keyByHashQuery = keyColumns + ` WHERE k.hash = ?`
	lastUsedQuery  = `SELECT last_used_at FROM api_keys WHERE id = ?`
)

type rowScanner interface{ Scan(dest ...any) error }

// keyScanner holds the Scan destinations for keyColumns. Reused across the rows
// of a list, it saves a dozen heap allocations per key: on a 10,000-key list the
// garbage collector's share was larger than SQLite's.
type keyScanner struct {
	id, name, typ, hint, createdBy, createdByName    string
	lastUsedAddr, rotatedFrom, replacedBy, updatedBy string
	updatedByName, ownerID, ownerName                string
	hash                                             []byte // Scan gives each row its own copy
	created, expires, updated, version               int64
	lastUsed, deleted                                sql.NullInt64
	dest                                             []any
}

func newKeyScanner() *keyScanner {
	s := &keyScanner{}
	s.dest = []any{&s.id, &s.name, &s.typ, &s.hint, &s.hash, &s.created, &s.createdBy,
		&s.createdByName, &s.expires, &s.lastUsed, &s.lastUsedAddr,
		&s.rotatedFrom, &s.replacedBy, &s.deleted, &s.updated, &s.updatedBy,
		&s.updatedByName, &s.version, &s.ownerID, &s.ownerName}
	return s
}

// scan reads one row into k.
func (s *keyScanner) scan(row rowScanner, k *model.Key) error {
	if err := row.Scan(s.dest...); err != nil {
		return err
	}
	*k = model.Key{
		ID: s.id, Name: s.name, Type: model.KeyType(s.typ), Hint: s.hint, Hash: s.hash,
		CreatedAt: fromMicros(s.created), CreatedBy: s.createdBy, CreatedByName: s.createdByName,
		ExpiresAt: fromMicros(s.expires), LastUsedAt: fromNullMicros(s.lastUsed), LastUsedAddr: s.lastUsedAddr,
		RotatedFrom: s.rotatedFrom, ReplacedBy: s.replacedBy, DeletedAt: fromNullMicros(s.deleted),
		UpdatedAt: fromMicros(s.updated), UpdatedBy: s.updatedBy, UpdatedByName: s.updatedByName,
		Version: s.version, OwnerID: s.ownerID, OwnerName: s.ownerName,
	}
	return nil
}

func scanKey(row rowScanner) (model.Key, error) {
	var k model.Key
	err := newKeyScanner().scan(row, &k)
	return k, err
}

// Key returns a key by public id, tombstones included.
func (r reader) Key(ctx context.Context, id string) (model.Key, error) {
	k, err := scanKey(r.queryRow(ctx, keyByIDQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Key{}, model.NotFound("No API key with id %s.", model.Quote(id))
	}
	return k, wrap("read key", err)
}

// KeyByHash returns the key whose secret hashes to hash, tombstones included.
func (r reader) KeyByHash(ctx context.Context, hash []byte) (model.Key, error) {
	k, err := scanKey(r.queryRow(ctx, keyByHashQuery, hash))
	if errors.Is(err, sql.ErrNoRows) {
		// The hash stays out of the message: it identifies a secret.
		return model.Key{}, model.NotFound("No API key matches this secret.")
	}
	return k, wrap("read key by hash", err)
}

// Keys lists keys newest first (CreatedAt, then ID, descending).
func (r reader) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	var keys []model.Key
	err := r.snapshot(ctx, func(tx querier) error {
		var err error
		keys, err = listKeys(ctx, tx, q.IncludeDeleted)
		return err
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// keyOrder is the list order; the key cache relies on it too.
const keyOrder = ` ORDER BY k.created_at DESC, k.id DESC`

// listKeys reads every key (tombstones too if includeDeleted) in list order.
func listKeys(ctx context.Context, q querier, includeDeleted bool) ([]model.Key, error) {
	where := ``
	if !includeDeleted {
		where = ` WHERE k.deleted_at IS NULL`
	}
	// Counting first sizes the slice once; growing it by appends cost more
	// (copies of a 300-byte struct) than the count does.
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM api_keys k`+where).Scan(&n); err != nil {
		return nil, wrap("count keys", err)
	}
	return scanKeys(ctx, q, n, keyColumns+where+keyOrder)
}

// scanKeys runs a query over keyColumns and reads every row; n sizes the result.
func scanKeys(ctx context.Context, q querier, n int, query string, args ...any) ([]model.Key, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list keys", err)
	}
	defer rows.Close()
	keys := make([]model.Key, 0, n)
	sc := newKeyScanner()
	for rows.Next() {
		keys = append(keys, model.Key{})
		if err := sc.scan(rows, &keys[len(keys)-1]); err != nil {
			return nil, wrap("list keys", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list keys", err)
	}
	return keys, nil
}

// The key writes, prepared on the writer connection (stmts.go). A new row
// carries its change stamp from the start (migration 0008): stamped by the
// trigger alone, it was written twice and its change_seq index entry moved.
const (
	insertKeyQuery = `
		INSERT INTO api_keys (id, name, type, hint, hash, created_at, created_by, expires_at,
			last_used_at, last_used_addr, rotated_from, replaced_by, deleted_at,
			updated_at, updated_by, owner_id, version, change_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, (SELECT keys + 1 FROM change_seq))`
	updateKeyQuery = `
		UPDATE api_keys
		SET name = ?, expires_at = ?, replaced_by = ?, deleted_at = ?,
		    updated_at = ?, updated_by = ?, owner_id = iif(? = '', owner_id, ?), version = version + 1
		WHERE id = ? AND version = ?`
)

// InsertKey stores a new key at version 1.
func (t *tx) InsertKey(ctx context.Context, k model.Key) error {
	_, err := t.exec(ctx, insertKeyQuery,
		k.ID, k.Name, string(k.Type), k.Hint, k.Hash, micros(k.CreatedAt), k.CreatedBy, micros(k.ExpiresAt),
		nullMicros(k.LastUsedAt), k.LastUsedAddr, k.RotatedFrom, k.ReplacedBy, nullMicros(k.DeletedAt),
		micros(k.UpdatedAt), k.UpdatedBy, ownerOf(k))
	switch {
	case uniqueViolation(err, "api_keys.hash"):
		return model.Conflict("An API key with this secret already exists.")
	case uniqueViolation(err, "api_keys.id"):
		return model.Conflict("An API key with id %s already exists.", model.Quote(k.ID))
	}
	return wrap("insert key", err)
}

// ownerOf is the owner a new key is stored with: the creator unless given.
func ownerOf(k model.Key) string {
	if k.OwnerID != "" {
		return k.OwnerID
	}
	return k.CreatedBy
}

// UpdateKey writes the mutable fields if the stored version is k.Version. The
// version is checked in the UPDATE itself, so no other writer can slip in between
// a check and the write.
func (t *tx) UpdateKey(ctx context.Context, k model.Key) (model.Key, error) {
	res, err := t.exec(ctx, updateKeyQuery,
		k.Name, micros(k.ExpiresAt), k.ReplacedBy, nullMicros(k.DeletedAt),
		micros(k.UpdatedAt), k.UpdatedBy, k.OwnerID, k.OwnerID, k.ID, k.Version)
	if err != nil {
		return model.Key{}, wrap("update key", err)
	}
	if err := checkVersioned(ctx, t.tx, res, "api_keys", k.ID, "API key"); err != nil {
		return model.Key{}, err
	}
	return t.Key(ctx, k.ID)
}

// checkVersioned turns a versioned UPDATE that changed no row into KindNotFound
// (no such row) or KindConflict (the row moved on since the caller read it).
func checkVersioned(ctx context.Context, q querier, res sql.Result, table, id, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("update "+table, err)
	}
	if n == 1 {
		return nil
	}
	ok, err := exists(ctx, q, table, id)
	if err != nil {
		return wrap("update "+table, err)
	}
	if !ok {
		return model.NotFound("No %s with id %s.", what, model.Quote(id))
	}
	return model.Conflict("The %s was changed by someone else since you opened it: reload and try again.", what)
}

// TouchKey records a use of the key unless one was recorded less than a minute
// before at. The check runs on the read pool first, so the common case (a key
// used again within the minute) never waits for the write connection.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time, addr string) error {
	var last sql.NullInt64
	err := s.queryRow(ctx, lastUsedQuery, id).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return model.NotFound("No API key with id %s.", model.Quote(id))
	}
	if err != nil {
		return wrap("touch key", err)
	}
	cutoff := micros(at.Add(-touchInterval))
	if last.Valid && last.Int64 > cutoff {
		return nil
	}
	// The same condition again in TouchKeys' UPDATE: another process may have
	// written since the read. Version and updated_at stay: a use is not an edit.
	return s.TouchKeys(ctx, []store.KeyUse{{ID: id, At: at, Addr: addr}})
}

// EachKey walks the list page by page, by keyset on (created_at, id): the
// list-order index finds where each page starts, and no read transaction stays
// open while fn runs (a reader held across a slow SSH client would keep the WAL
// from being checkpointed). It reads around the key cache: a walk is one pass,
// and filling the cache would hold the whole list in memory.
func (s *Store) EachKey(ctx context.Context, q store.KeyQuery, fn func(*model.Key) error) error {
	live := ``
	if !q.IncludeDeleted {
		live = ` AND k.deleted_at IS NULL`
	}
	first := keyColumns + ` WHERE 1` + live + keyOrder + ` LIMIT ?`
	next := keyColumns + ` WHERE (k.created_at, k.id) < (?, ?)` + live + keyOrder + ` LIMIT ?`
	var page []model.Key
	for {
		var err error
		if page == nil {
			page, err = scanKeys(ctx, s.reader.q, store.KeyPage, first, store.KeyPage)
		} else {
			last := page[len(page)-1]
			page, err = scanKeys(ctx, s.reader.q, store.KeyPage, next, micros(last.CreatedAt), last.ID, store.KeyPage)
		}
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < store.KeyPage {
			return nil
		}
	}
}
