package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// KeyChecks reads every key's check fields in one statement (one snapshot),
// in binary, from the rows' raw values: scanned, each row cost an allocation
// per text and per time, and decoding through pgx's type map. kc's byte
// slices are the connection's read buffer, valid until fn returns.
func (s *Store) KeyChecks(ctx context.Context, fn func(*store.KeyCheck) error) error {
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, type, hash, expires_at, deleted_at, replaced_by, last_used_at, version
		FROM api_keys`, pgx.QueryResultFormats{pgx.BinaryFormatCode})
	if err != nil {
		return wrap("read keys for checks", err)
	}
	defer rows.Close()
	want := [...]uint32{pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.ByteaOID, pgtype.TimestamptzOID,
		pgtype.TimestamptzOID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.Int8OID}
	fds := rows.FieldDescriptions()
	if len(fds) != len(want) {
		return fmt.Errorf("postgres: read keys for checks: %d columns, want %d", len(fds), len(want))
	}
	for i, fd := range fds {
		if fd.DataTypeOID != want[i] || fd.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("postgres: read keys for checks: column %s of type %d in format %d, want type %d in binary", fd.Name, fd.DataTypeOID, fd.Format, want[i])
		}
	}
	var (
		kc                store.KeyCheck
		deleted, lastUsed time.Time
	)
	for rows.Next() {
		v := rows.RawValues()
		kc.ID, kc.Name, kc.Type, kc.Hash, kc.ReplacedBy = v[0], v[1], v[2], v[3], v[6]
		var okE, okD, okL, okV bool
		kc.ExpiresAt, okE = binaryTime(v[4])
		deleted, okD = binaryTime(v[5])
		lastUsed, okL = binaryTime(v[7])
		kc.Version, okV = binaryInt8(v[8])
		if !okE || (!okD && v[5] != nil) || (!okL && v[7] != nil) || !okV || v[0] == nil {
			return errors.New("postgres: read keys for checks: a row with a value that is not a finite time or a number")
		}
		kc.DeletedAt, kc.LastUsedAt = nil, nil
		if v[5] != nil {
			kc.DeletedAt = &deleted
		}
		if v[7] != nil {
			kc.LastUsedAt = &lastUsed
		}
		if err := fn(&kc); err != nil {
			return err
		}
	}
	return wrap("read keys for checks", rows.Err())
}

// pgEpoch is PostgreSQL's epoch, 2000-01-01 UTC, in Unix microseconds.
const pgEpoch = 946_684_800_000_000

// binaryTime decodes a timestamptz in binary (microseconds since pgEpoch);
// false for NULL, ±infinity and anything not 8 bytes. Seconds and the rest
// are added apart, as pgx does: PostgreSQL's latest times (from 294247-01-10
// on) are more microseconds after 1970 than an int64 holds, and us+pgEpoch
// wrapped round to the year -290000 (FuzzBinaryTime).
func binaryTime(b []byte) (time.Time, bool) {
	us, ok := binaryInt8(b)
	if !ok || us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, false
	}
	return time.Unix(us/1e6+pgEpoch/1e6, us%1e6*1e3).UTC(), true
}

// binaryInt8 decodes a bigint in binary; false for NULL and anything not 8 bytes.
func binaryInt8(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b)), true
}

// TouchKeys records many uses in one statement, so one transaction, with the
// same once-a-minute condition as TouchKey.
func (s *Store) TouchKeys(ctx context.Context, uses []store.KeyUse) error {
	return s.RecordUsage(ctx, store.UsageBatch{Uses: uses})
}

// RecordUsage is TouchKeys and the usage counts in one transaction: the batch
// folded and written as a compaction writes the journal's (applyUsage), so the
// two can't differ on a rule.
func (s *Store) RecordUsage(ctx context.Context, b store.UsageBatch) error {
	if len(b.Uses) == 0 && len(b.Counts) == 0 {
		return nil
	}
	f := store.FoldUsage([]store.UsageBatch{b})
	if err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return s.applyUsage(ctx, t, f, nil) }); err != nil {
		return wrap("touch keys", err)
	}
	s.usageApplied(f)
	return nil
}

// KeyUsage lists one key's counts from day from on.
func (r reader) KeyUsage(ctx context.Context, keyID, from string) ([]store.UsageCount, error) {
	return r.usage(ctx, `SELECT key_id, day, reason, n FROM key_usage
		WHERE key_id = $1 AND day >= $2 ORDER BY day, reason`, keyID, from)
}

// UsageTotals sums every key's counts from day from on.
func (r reader) UsageTotals(ctx context.Context, from string) ([]store.UsageCount, error) {
	return r.usage(ctx, `SELECT key_id, '', reason, sum(n)::bigint FROM key_usage
		WHERE day >= $1 GROUP BY key_id, reason ORDER BY key_id, reason`, from)
}

func (r reader) usage(ctx context.Context, query string, args ...any) ([]store.UsageCount, error) {
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("read key usage", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.UsageCount, error) {
		var c store.UsageCount
		err := row.Scan(&c.KeyID, &c.Day, &c.Reason, &c.N)
		return c, err
	})
	return out, wrap("read key usage", err)
}

// KeyAddresses lists a key's (or every key's) addresses from since's day on.
func (r reader) KeyAddresses(ctx context.Context, keyID string, since time.Time) ([]model.KeyAddress, error) {
	rows, err := r.q.Query(ctx, `
		SELECT key_id, addr, sum(uses)::bigint, min(first_seen), max(last_seen) FROM key_addresses
		WHERE ($1 = '' OR key_id = $1) AND day >= $2
		GROUP BY key_id, addr ORDER BY key_id, max(last_seen) DESC, addr`, keyID, store.AddressDay(since))
	if err != nil {
		return nil, wrap("list key addresses", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.KeyAddress, error) {
		var a model.KeyAddress
		err := row.Scan(&a.KeyID, &a.Addr, &a.Uses, &a.FirstSeen, &a.LastSeen)
		a.FirstSeen, a.LastSeen = a.FirstSeen.UTC(), a.LastSeen.UTC()
		return a, err
	})
	return out, wrap("list key addresses", err)
}
