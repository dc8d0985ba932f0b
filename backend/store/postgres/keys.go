package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// touchInterval is how often last-used is written per key at most: a busy key
// would otherwise turn every authentication into a write.
const touchInterval = time.Minute

// keySelect is the SELECT list scanKey reads from a relation k (api_keys, or the
// rows an UPDATE returned); the joins fill the names of the members who created
// and last changed the key (empty if they are not members).
const keySelect = `
	SELECT k.id, k.name, k.type, k.hint, k.hash, k.created_at, k.created_by,
	       coalesce(c.name, ''), k.expires_at, k.last_used_at, k.last_used_addr,
	       k.rotated_from, k.replaced_by, k.deleted_at, k.updated_at, k.updated_by,
	       coalesce(u.name, ''), k.version, coalesce(nullif(k.owner_id, ''), k.created_by), coalesce(o.name, '')`

const keyJoins = `
	LEFT JOIN members c ON c.id = k.created_by
	LEFT JOIN members u ON u.id = k.updated_by
	LEFT JOIN members o ON o.id = coalesce(nullif(k.owner_id, ''), k.created_by)`

const keyColumns = keySelect + ` FROM api_keys k` + keyJoins

func scanKey(row pgx.Row) (model.Key, error) {
	var k model.Key
	var typ string
	err := row.Scan(&k.ID, &k.Name, &typ, &k.Hint, &k.Hash, &k.CreatedAt, &k.CreatedBy,
		&k.CreatedByName, &k.ExpiresAt, &k.LastUsedAt, &k.LastUsedAddr,
		&k.RotatedFrom, &k.ReplacedBy, &k.DeletedAt, &k.UpdatedAt, &k.UpdatedBy,
		&k.UpdatedByName, &k.Version, &k.OwnerID, &k.OwnerName)
	if err != nil {
		return model.Key{}, err
	}
	k.Type = model.KeyType(typ)
	k.CreatedAt = k.CreatedAt.UTC()
	k.ExpiresAt = k.ExpiresAt.UTC()
	k.UpdatedAt = k.UpdatedAt.UTC()
	k.LastUsedAt = utc(k.LastUsedAt)
	k.DeletedAt = utc(k.DeletedAt)
	return k, nil
}

func keyNotFound(id string) error {
	return model.NotFound("No API key with id %s.", model.Quote(id))
}

// Key returns a key by public id, tombstones included.
func (r reader) Key(ctx context.Context, id string) (model.Key, error) {
	k, err := scanKey(r.q.QueryRow(ctx, keyColumns+` WHERE k.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Key{}, keyNotFound(id)
	}
	return k, wrap("read key", err)
}

// KeyByHash returns the key whose secret hashes to hash, tombstones included.
func (r reader) KeyByHash(ctx context.Context, hash []byte) (model.Key, error) {
	k, err := scanKey(r.q.QueryRow(ctx, keyColumns+` WHERE k.hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		// The hash stays out of the message: it identifies a secret.
		return model.Key{}, model.NotFound("No API key matches this secret.")
	}
	return k, wrap("read key by hash", err)
}

// Keys lists keys newest first (CreatedAt, then ID, descending).
func (r reader) Keys(ctx context.Context, q store.KeyQuery) ([]model.Key, error) {
	query := keyColumns
	if !q.IncludeDeleted {
		query += ` WHERE k.deleted_at IS NULL`
	}
	query += ` ORDER BY k.created_at DESC, k.id DESC`
	rows, err := r.q.Query(ctx, query)
	if err != nil {
		return nil, wrap("list keys", err)
	}
	defer rows.Close()
	keys := []model.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, wrap("list keys", err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("list keys", rows.Err())
}

// InsertKey stores a new key at version 1. ON CONFLICT DO NOTHING turns a
// duplicate id or hash into "no row" instead of an error, which in PostgreSQL
// would abort the caller's whole transaction.
func (t *tx) InsertKey(ctx context.Context, k model.Key) error {
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO api_keys (id, name, type, hint, hash, created_at, created_by, expires_at,
			last_used_at, last_used_addr, rotated_from, replaced_by, deleted_at,
			updated_at, updated_by, owner_id, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
		ON CONFLICT DO NOTHING`,
		k.ID, k.Name, string(k.Type), k.Hint, k.Hash, ts(k.CreatedAt), k.CreatedBy, ts(k.ExpiresAt),
		nullTS(k.LastUsedAt), k.LastUsedAddr, k.RotatedFrom, k.ReplacedBy, nullTS(k.DeletedAt),
		ts(k.UpdatedAt), k.UpdatedBy, ownerOf(k))
	if err != nil {
		return wrap("insert key", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	idTaken, err := exists(ctx, t.tx, "api_keys", k.ID)
	if err != nil {
		return wrap("insert key", err)
	}
	if idTaken {
		return model.Conflict("An API key with id %s already exists.", model.Quote(k.ID))
	}
	return model.Conflict("An API key with this secret already exists.")
}

// ownerOf is the owner a new key is stored with: the creator unless given.
func ownerOf(k model.Key) string {
	if k.OwnerID != "" {
		return k.OwnerID
	}
	return k.CreatedBy
}

// UpdateKey writes the mutable fields if the stored version is k.Version. The
// version is checked in the UPDATE itself: of two instances writing from the same
// version, the second waits for the first's row lock, re-reads the row, finds the
// new version and changes nothing. The key comes back from the same statement.
func (t *tx) UpdateKey(ctx context.Context, k model.Key) (model.Key, error) {
	out, err := scanKey(t.tx.QueryRow(ctx, `
		WITH k AS (
			UPDATE api_keys
			SET name = $3, expires_at = $4, replaced_by = $5, deleted_at = $6,
			    updated_at = $7, updated_by = $8, owner_id = coalesce(nullif($9::text, ''), owner_id), version = version + 1
			WHERE id = $1 AND version = $2
			RETURNING *
		)`+keySelect+` FROM k`+keyJoins,
		k.ID, k.Version, k.Name, ts(k.ExpiresAt), k.ReplacedBy, nullTS(k.DeletedAt),
		ts(k.UpdatedAt), k.UpdatedBy, k.OwnerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Key{}, t.noRowUpdated(ctx, "api_keys", k.ID, "API key")
	}
	return out, wrap("update key", err)
}

// noRowUpdated explains a versioned UPDATE that changed nothing: KindNotFound if
// there is no such row, KindConflict if it moved on since the caller read it.
func (t *tx) noRowUpdated(ctx context.Context, table, id, what string) error {
	ok, err := exists(ctx, t.tx, table, id)
	if err != nil {
		return wrap("update "+table, err)
	}
	if !ok {
		return model.NotFound("No %s with id %s.", what, model.Quote(id))
	}
	return model.Conflict("The %s was changed by someone else since you opened it: reload and try again.", what)
}

// TouchKey records a use of the key unless one was recorded less than a minute
// before at, in one statement: the condition sits in the UPDATE, so instances
// touching one key at once write it once (the second re-checks the row the first
// wrote and skips it). Version and updated-at stay: a use is not an edit.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time, addr string) error {
	var found bool
	err := s.pool.QueryRow(ctx, `
		WITH touched AS (
			UPDATE api_keys SET last_used_at = $2, last_used_addr = $3
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $4)
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM touched) OR EXISTS (SELECT 1 FROM api_keys WHERE id = $1)`,
		id, ts(at), addr, ts(at.Add(-touchInterval))).Scan(&found)
	if err != nil {
		return wrap("touch key", err)
	}
	if !found {
		return keyNotFound(id)
	}
	return nil
}

// EachKey walks the list page by page, by keyset on (created_at, id), each page
// one statement: no transaction stays open while fn runs.
func (s *Store) EachKey(ctx context.Context, q store.KeyQuery, fn func(*model.Key) error) error {
	live := ``
	if !q.IncludeDeleted {
		live = ` AND k.deleted_at IS NULL`
	}
	const order = ` ORDER BY k.created_at DESC, k.id DESC LIMIT `
	first := keyColumns + ` WHERE true` + live + order + `$1`
	next := keyColumns + ` WHERE (k.created_at, k.id) < ($1, $2)` + live + order + `$3`
	var page []model.Key
	for {
		var rows pgx.Rows
		var err error
		if page == nil {
			rows, err = s.pool.Query(ctx, first, store.KeyPage)
		} else {
			last := page[len(page)-1]
			rows, err = s.pool.Query(ctx, next, ts(last.CreatedAt), last.ID, store.KeyPage)
		}
		if err != nil {
			return wrap("list keys", err)
		}
		page = make([]model.Key, 0, store.KeyPage)
		for rows.Next() {
			k, err := scanKey(rows)
			if err != nil {
				rows.Close()
				return wrap("list keys", err)
			}
			page = append(page, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("list keys", err)
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
