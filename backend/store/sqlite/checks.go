package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// KeyChecks reads every key's check fields in one read transaction, without the
// joins and columns a list needs.
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
			kc                store.KeyCheck
			typ               string
			hash              sql.RawBytes
			expires           int64
			deleted, lastUsed sql.NullInt64
		)
		for rows.Next() {
			if err := rows.Scan(&kc.ID, &kc.Name, &typ, &hash, &expires, &deleted, &kc.ReplacedBy, &lastUsed, &kc.Version); err != nil {
				return wrap("read keys for checks", err)
			}
			kc.Type, kc.Hash, kc.ExpiresAt = model.KeyType(typ), hash, fromMicros(expires)
			kc.DeletedAt, kc.LastUsedAt = fromNullMicros(deleted), fromNullMicros(lastUsed)
			if err := fn(&kc); err != nil {
				return err
			}
		}
		return wrap("read keys for checks", rows.Err())
	})
}

// TouchKeys records many uses in one write transaction: one fsync for the lot,
// where TouchKey one by one costs one each.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer t.Rollback()
	st, err := t.PrepareContext(ctx, `
		UPDATE api_keys SET last_used_at = ?, last_used_addr = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`)
	if err != nil {
		return wrap("touch keys", err)
	}
	defer st.Close()
	for _, u := range uses {
		if _, err := st.ExecContext(ctx, micros(u.At), u.Addr, u.ID, micros(u.At.Add(-touchInterval))); err != nil {
			return wrap("touch keys", err)
		}
	}
	return wrap("touch keys", t.Commit())
}
