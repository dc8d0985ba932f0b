package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// KeyChecks reads every key's check fields in one read transaction, without the
// joins and columns a list needs, into reused buffers (sql.RawBytes: no copy).
func (s *Store) KeyChecks(ctx context.Context, fn func(*store.KeyCheck) error) error {
	return s.reader.snapshot(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `
			SELECT id, name, type, hash, expires_at, deleted_at, replaced_by, last_used_at, version
			FROM api_keys`)
		if err != nil {
			return wrap("read keys for checks", err)
		}
		defer rows.Close()
		var (
			kc                        store.KeyCheck
			id, name, typ, hash, repl sql.RawBytes
			expires                   int64
			deleted, lastUsed         sql.NullInt64
			deletedAt, lastUsedAt     time.Time
		)
		for rows.Next() {
			if err := rows.Scan(&id, &name, &typ, &hash, &expires, &deleted, &repl, &lastUsed, &kc.Version); err != nil {
				return wrap("read keys for checks", err)
			}
			kc.ID, kc.Name, kc.Type, kc.Hash, kc.ReplacedBy = id, name, typ, hash, repl
			kc.ExpiresAt = fromMicros(expires)
			kc.DeletedAt, kc.LastUsedAt = nil, nil
			if deleted.Valid {
				deletedAt = fromMicros(deleted.Int64)
				kc.DeletedAt = &deletedAt
			}
			if lastUsed.Valid {
				lastUsedAt = fromMicros(lastUsed.Int64)
				kc.LastUsedAt = &lastUsedAt
			}
			if err := fn(&kc); err != nil {
				return err
			}
		}
		return wrap("read keys for checks", rows.Err())
	})
}

// TouchKeys records many uses in one write transaction: one fsync for the lot,
// where TouchKey one by one costs one each.
//
// A use is not an edit (migration 0005): the rows get the transaction's use
// stamp, not a change stamp, so the key list cache shows the new "Last used"
// while the change feed announces nothing and no key index reads anything.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	if s.write == nil {
		return s.readOnlyErr
	}
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer t.Rollback()
	var stamp int64
	if err := t.QueryRowContext(ctx, `UPDATE change_seq SET uses = uses + 1 RETURNING uses`).Scan(&stamp); err != nil {
		return wrap("touch keys", err)
	}
	st, err := t.PrepareContext(ctx, `
		UPDATE api_keys SET last_used_at = ?, last_used_addr = ?, use_seq = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`)
	if err != nil {
		return wrap("touch keys", err)
	}
	defer st.Close()
	for _, u := range uses {
		if _, err := st.ExecContext(ctx, micros(u.At), u.Addr, stamp, u.ID, micros(u.At.Add(-touchInterval))); err != nil {
			return wrap("touch keys", err)
		}
	}
	return wrap("touch keys", t.Commit())
}
