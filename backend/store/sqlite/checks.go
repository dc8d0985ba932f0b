package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// KeyChecks reads every key's check fields in one statement (one snapshot),
// without the joins and columns a list needs, on a connection of its own
// through SQLite's C API (rawread.go): through database/sql and the driver,
// the driver's work per column (a mutex, a call for the type, a Go allocation
// for each text) was half of loading a million keys. kc's text is SQLite's,
// valid until fn returns.
func (s *Store) KeyChecks(ctx context.Context, fn func(*store.KeyCheck) error) error {
	if s.raw == nil {
		return errors.New("sqlite: read keys for checks: no database file")
	}
	c, err := s.raw.get(ctx)
	if err != nil {
		return wrap("read keys for checks", err)
	}
	defer s.raw.put(c)
	var (
		kc                    store.KeyCheck
		deletedAt, lastUsedAt time.Time
		fnErr                 error // fn's, returned as it is
	)
	err = c.each(ctx, `
		SELECT id, name, type, hash, expires_at, deleted_at, replaced_by, last_used_at, version
		FROM api_keys`, nil, func(r rawRow) error {
		// The table is STRICT: id, name, type and replaced_by are TEXT, hash a
		// BLOB, the times and version INTEGER, so no row needs its types checked.
		kc.ID, kc.Name, kc.Type, kc.Hash, kc.ReplacedBy = r.bytes(0), r.bytes(1), r.bytes(2), r.bytes(3), r.bytes(6)
		kc.ExpiresAt, kc.Version = fromMicros(r.int64(4)), r.int64(8)
		kc.DeletedAt, kc.LastUsedAt = nil, nil
		if !r.null(5) {
			deletedAt = fromMicros(r.int64(5))
			kc.DeletedAt = &deletedAt
		}
		if !r.null(7) {
			lastUsedAt = fromMicros(r.int64(7))
			kc.LastUsedAt = &lastUsedAt
		}
		fnErr = fn(&kc)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return wrap("read keys for checks", err)
}

// TouchKeys records many uses in one write transaction: one fsync for the lot,
// where TouchKey one by one costs one each.
//
// A use is not an edit (migration 0005): the rows get the transaction's use
// stamp, not a change stamp, so the key list cache shows the new "Last used"
// while the change feed announces nothing and no key index reads anything.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	return s.RecordUsage(ctx, store.UsageBatch{Uses: uses})
}

// RecordUsage is TouchKeys and the usage counts in one write transaction:
// the batch folded and written as a compaction writes the journal's
// (applyUsage), so the two can't differ on a rule.
func (s *Store) RecordUsage(ctx context.Context, b store.UsageBatch) error {
	if len(b.Uses) == 0 && len(b.Counts) == 0 {
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
	committed, err := s.applyUsage(ctx, t, store.FoldUsage([]store.UsageBatch{b}), nil)
	if err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return wrap("touch keys", err)
	}
	committed()
	return nil
}

// KeyUsage lists one key's counts from day from on.
func (r reader) KeyUsage(ctx context.Context, keyID, from string) ([]store.UsageCount, error) {
	return r.usage(ctx, `SELECT key_id, day, reason, n FROM key_usage
		WHERE key_id = ? AND day >= ? ORDER BY day, reason`, keyID, from)
}

// UsageTotals sums every key's counts from day from on.
func (r reader) UsageTotals(ctx context.Context, from string) ([]store.UsageCount, error) {
	return r.usage(ctx, `SELECT key_id, '', reason, sum(n) FROM key_usage
		WHERE day >= ? GROUP BY key_id, reason ORDER BY key_id, reason`, from)
}

func (r reader) usage(ctx context.Context, query string, args ...any) ([]store.UsageCount, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("read key usage", err)
	}
	defer rows.Close()
	var out []store.UsageCount
	for rows.Next() {
		var c store.UsageCount
		if err := rows.Scan(&c.KeyID, &c.Day, &c.Reason, &c.N); err != nil {
			return nil, wrap("read key usage", err)
		}
		out = append(out, c)
	}
	return out, wrap("read key usage", rows.Err())
}

// KeyAddresses lists a key's (or every key's) addresses from since's day on.
func (r reader) KeyAddresses(ctx context.Context, keyID string, since time.Time) ([]model.KeyAddress, error) {
	rows, err := r.q.QueryContext(ctx, `
		SELECT key_id, addr, sum(uses), min(first_seen), max(last_seen) FROM key_addresses
		WHERE (? = '' OR key_id = ?) AND day >= ?
		GROUP BY key_id, addr ORDER BY key_id, max(last_seen) DESC, addr`, keyID, keyID, store.AddressDay(since))
	if err != nil {
		return nil, wrap("list key addresses", err)
	}
	defer rows.Close()
	var out []model.KeyAddress
	for rows.Next() {
		var (
			a           model.KeyAddress
			first, last int64
		)
		if err := rows.Scan(&a.KeyID, &a.Addr, &a.Uses, &first, &last); err != nil {
			return nil, wrap("list key addresses", err)
		}
		a.FirstSeen, a.LastSeen = fromMicros(first), fromMicros(last)
		out = append(out, a)
	}
	return out, wrap("list key addresses", rows.Err())
}
