package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// usageLock queues compactions of the usage journal across instances: two at
// once would fold different rows into the same keys' rows, each locking them
// in its own order, and deadlock.
const usageLock int64 = 0x61706b75

// AppendUsage appends a batch to the usage journal (migration 0009): one
// insert of one row, where RecordUsage updates a row per key in three tables.
func (s *Store) AppendUsage(ctx context.Context, b store.UsageBatch) error {
	if len(b.Uses) == 0 && len(b.Counts) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO usage_journal (data) VALUES ($1)`, store.EncodeUsage(b)); err != nil {
		return wrap("append usage", err)
	}
	return nil
}

// CompactUsage folds the journal (store.UsageStore). The rows are deleted by
// the statement that reads them (DELETE … RETURNING) in the transaction that
// writes what they hold, one compaction at a time across instances: a row is
// folded exactly once, and a compaction that fails folds nothing.
//
// pace pauses between journal rows read and between the statements written,
// each over at most foldChunk rows.
func (s *Store) CompactUsage(ctx context.Context, pace store.Pacer) (int, error) {
	total := 0
	var bad error
	for {
		n, err := s.compactUsage(ctx, pace, &bad)
		total += n
		if err != nil {
			return total, wrap("compact usage", err)
		}
		if n < store.UsageJournalRows {
			return total, bad
		}
	}
}

// compactUsage folds at most store.UsageJournalRows rows, oldest first, in one
// transaction. A row that can't be read is deleted with the rest (it would
// stop every compaction after it) and reported in bad.
func (s *Store) compactUsage(ctx context.Context, pace store.Pacer, bad *error) (int, error) {
	var folded int
	var f store.UsageFold
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		if _, err := t.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, usageLock); err != nil {
			return err
		}
		rows, err := t.Query(ctx, `
			DELETE FROM usage_journal WHERE seq IN (SELECT seq FROM usage_journal ORDER BY seq LIMIT $1)
			RETURNING seq, data`, store.UsageJournalRows)
		if err != nil {
			return err
		}
		read, err := pgx.CollectRows(rows, pgx.RowToStructByPos[store.JournalRow])
		if err != nil {
			return err
		}
		folded = len(read)
		if folded == 0 {
			return nil
		}
		var unread error
		if f, unread = store.FoldJournal(ctx, read, pace); unread != nil {
			*bad = errors.Join(*bad, fmt.Errorf("postgres: compact usage: %w", unread))
		}
		return s.applyUsage(ctx, t, f, pace)
	})
	if err != nil {
		return 0, err
	}
	s.usageApplied(f)
	return folded, nil
}

// usageApplied notes, once f's transaction has committed, the days it pruned
// up to, so the next batches of the same day don't prune again.
func (s *Store) usageApplied(f store.UsageFold) {
	if len(f.Uses) > 0 {
		s.addrKept.Store(max(s.addrKept.Load(), store.AddressKeepFrom(f.Newest)))
	}
	if f.KeepFrom != "" {
		s.usageKept.Store(f.KeepFrom)
	}
}

// foldChunk bounds the rows of one statement of a fold, so that pace can
// pause between them.
const foldChunk = 2000

// applyUsage writes a fold (a compaction's, or RecordUsage's one batch): per
// table, statements over arrays of at most foldChunk rows in key order, with
// pace paused between them, then the pruning of days before the fold's
// KeepFrom and outside the address window.
func (s *Store) applyUsage(ctx context.Context, t pgx.Tx, f store.UsageFold, pace store.Pacer) error {
	// A key's uses in time order, TouchKey's rule applied to each in turn: an
	// UPDATE … FROM applies one row per key, so the uses go in ranks, every
	// key's first, then every second, … (most keys have one a minute). A key's
	// uses split over two chunks are applied in order all the same.
	for part := range slices.Chunk(f.Uses, foldChunk) {
		if err := touchInRanks(ctx, t, part); err != nil {
			return err
		}
		store.Pause(ctx, pace)
	}
	for part := range slices.Chunk(f.Addrs, foldChunk) {
		if err := addAddresses(ctx, t, part); err != nil {
			return err
		}
		store.Pause(ctx, pace)
	}
	for part := range slices.Chunk(f.Counts, foldChunk) {
		if err := addCounts(ctx, t, part); err != nil {
			return err
		}
		store.Pause(ctx, pace)
	}
	if f.KeepFrom != "" && s.usageKept.Load() != f.KeepFrom {
		if _, err := t.Exec(ctx, `DELETE FROM key_usage WHERE day < $1`, f.KeepFrom); err != nil {
			return err
		}
	}
	if keep := store.AddressKeepFrom(f.Newest); len(f.Uses) > 0 && s.addrKept.Load() < keep {
		if _, err := t.Exec(ctx, `DELETE FROM key_addresses WHERE day < $1`, keep); err != nil {
			return err
		}
	}
	return nil
}

// touchInRanks applies uses, sorted by key then time, to the keys' last uses.
func touchInRanks(ctx context.Context, t pgx.Tx, uses []store.KeyUse) error {
	for rest := uses; len(rest) > 0; {
		var ids, addrs []string
		var ats []time.Time
		var next []store.KeyUse
		for i, u := range rest {
			if i > 0 && rest[i-1].ID == u.ID {
				next = append(next, u)
				continue
			}
			ids, ats, addrs = append(ids, u.ID), append(ats, ts(u.At)), append(addrs, u.Addr)
		}
		if _, err := t.Exec(ctx, `
			UPDATE api_keys k SET last_used_at = u.at, last_used_addr = u.addr
			FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(id, at, addr)
			WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at <= u.at - $4::interval)`,
			ids, ats, addrs, touchInterval); err != nil {
			return err
		}
		rest = next
	}
	return nil
}

// addAddresses adds a fold's (key, address, day) rows to key_addresses.
func addAddresses(ctx context.Context, t pgx.Tx, part []store.AddrUse) error {
	ids := make([]string, len(part))
	addrs := make([]string, len(part))
	days := make([]int64, len(part))
	firsts := make([]time.Time, len(part))
	lasts := make([]time.Time, len(part))
	uses := make([]int64, len(part))
	for i, a := range part {
		ids[i], addrs[i], days[i], firsts[i], lasts[i], uses[i] = a.KeyID, a.Addr, a.Day, ts(a.First), ts(a.Last), a.Uses
	}
	// The fold has one row per (key, address, day): ON CONFLICT touches
	// each once.
	_, err := t.Exec(ctx, `
		INSERT INTO key_addresses (key_id, addr, day, first_seen, last_seen, uses)
		SELECT u.id, u.addr, u.day, u.first, u.last, u.uses
		FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
			AS u(id, addr, day, first, last, uses)
		JOIN api_keys k ON k.id = u.id
		ON CONFLICT (key_id, addr, day) DO UPDATE SET
			first_seen = LEAST(key_addresses.first_seen, excluded.first_seen),
			last_seen = GREATEST(key_addresses.last_seen, excluded.last_seen),
			uses = key_addresses.uses + excluded.uses`, ids, addrs, days, firsts, lasts, uses)
	return err
}

// addCounts adds a fold's counts to key_usage.
func addCounts(ctx context.Context, t pgx.Tx, part []store.UsageCount) error {
	ids := make([]string, len(part))
	days := make([]string, len(part))
	reasons := make([]string, len(part))
	ns := make([]int64, len(part))
	for i, c := range part {
		ids[i], days[i], reasons[i], ns[i] = c.KeyID, c.Day, c.Reason, c.N
	}
	_, err := t.Exec(ctx, `
		INSERT INTO key_usage (key_id, day, reason, n)
		SELECT u.id, u.day, u.reason, u.n
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(id, day, reason, n)
		JOIN api_keys k ON k.id = u.id
		ON CONFLICT (key_id, day, reason) DO UPDATE SET n = key_usage.n + excluded.n`,
		ids, days, reasons, ns)
	return err
}
