package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// KeyChecks reads every key's check fields in one statement (one snapshot).
func (s *Store) KeyChecks(ctx context.Context, fn func(*store.KeyCheck) error) error {
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, type, hash, expires_at, deleted_at, replaced_by, last_used_at, version
		FROM api_keys`)
	if err != nil {
		return wrap("read keys for checks", err)
	}
	defer rows.Close()
	var (
		kc                store.KeyCheck
		expires           time.Time
		deleted, lastUsed *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&kc.ID, &kc.Name, &kc.Type, &kc.Hash, &expires, &deleted, &kc.ReplacedBy, &lastUsed, &kc.Version},
		func() error {
			kc.ExpiresAt = expires.UTC()
			kc.DeletedAt, kc.LastUsedAt = utc(deleted), utc(lastUsed)
			return fn(&kc)
		})
	return wrap("read keys for checks", err)
}

// TouchKeys records many uses in one statement, so one transaction, with the
// same once-a-minute condition as TouchKey.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	if len(uses) == 0 {
		return nil
	}
	ids := make([]string, len(uses))
	ats := make([]time.Time, len(uses))
	addrs := make([]string, len(uses))
	for i, u := range uses {
		ids[i], ats[i], addrs[i] = u.ID, ts(u.At), u.Addr
	}
	_, err := s.pool.Exec(ctx, `
		UPDATE api_keys k SET last_used_at = u.at, last_used_addr = u.addr
		FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(id, at, addr)
		WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at <= u.at - $4::interval)`,
		ids, ats, addrs, touchInterval)
	return wrap("touch keys", err)
}
