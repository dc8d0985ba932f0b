package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// AppendUsage appends a batch to the usage journal (migration 0013): one row
// at the end of one table, so one page or a few, where RecordUsage updates a
// row per key scattered over three tables' B-trees.
func (s *Store) AppendUsage(ctx context.Context, b store.UsageBatch) error {
	if len(b.Uses) == 0 && len(b.Counts) == 0 {
		return nil
	}
	if s.write == nil {
		return s.readOnlyErr
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO usage_journal (data) VALUES (?)`, store.EncodeUsage(b)); err != nil {
		return wrap("append usage", err)
	}
	return nil
}

// CompactUsage folds the journal (store.UsageStore). The rows are deleted by
// the statement that reads them (DELETE … RETURNING) in the transaction that
// writes what they hold: a row is folded exactly once, by whichever process
// compacts first, and a compaction that fails folds nothing.
//
// pace pauses between journal rows read and statements written, except once
// a write of this process waits for the writer connection: then the
// transaction finishes unpaused, so pacing never makes an admin's write wait
// longer than the fold itself would.
func (s *Store) CompactUsage(ctx context.Context, pace store.Pacer) (int, error) {
	if s.write == nil {
		return 0, s.readOnlyErr
	}
	total := 0
	var bad error
	for {
		n, err := s.compactUsage(ctx, pace, &bad)
		total += n
		if err != nil {
			return total, err
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
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer t.Rollback()
	pace = s.unlessWriteWaits(pace)
	rows, err := t.QueryContext(ctx, `
		DELETE FROM usage_journal WHERE seq IN (SELECT seq FROM usage_journal ORDER BY seq LIMIT ?)
		RETURNING seq, data`, store.UsageJournalRows)
	if err != nil {
		return 0, wrap("compact usage", err)
	}
	var read []store.JournalRow
	for rows.Next() {
		var r store.JournalRow
		if err := rows.Scan(&r.Seq, &r.Data); err != nil {
			rows.Close()
			return 0, wrap("compact usage", err)
		}
		read = append(read, r)
	}
	if err := rows.Close(); err != nil {
		return 0, wrap("compact usage", err)
	}
	if err := rows.Err(); err != nil {
		return 0, wrap("compact usage", err)
	}
	if len(read) == 0 {
		return 0, nil
	}
	f, unread := store.FoldJournal(ctx, read, pace)
	if unread != nil {
		*bad = errors.Join(*bad, fmt.Errorf("sqlite: compact usage: %w", unread))
	}
	committed, err := s.applyUsage(ctx, t, f, pace)
	if err != nil {
		return 0, err
	}
	if err := t.Commit(); err != nil {
		return 0, wrap("compact usage", err)
	}
	committed()
	return len(read), nil
}

// applyUsage writes a fold (a compaction's, or RecordUsage's one batch), key
// by key in id order: the uses under one use stamp (a use is not an edit,
// migration 0005), then the pruning of days before the fold's KeepFrom and
// outside the address window; committed is to be called once t commits.
func (s *Store) applyUsage(ctx context.Context, t *sql.Tx, f store.UsageFold, pace store.Pacer) (committed func(), err error) {
	if len(f.Uses) > 0 {
		var stamp int64
		if err := t.QueryRowContext(ctx, `UPDATE change_seq SET uses = uses + 1 RETURNING uses`).Scan(&stamp); err != nil {
			return nil, wrap("compact usage", err)
		}
		st, err := t.PrepareContext(ctx, `
			UPDATE api_keys SET last_used_at = ?, last_used_addr = ?, use_seq = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`)
		if err != nil {
			return nil, wrap("compact usage", err)
		}
		defer st.Close()
		for _, u := range f.Uses {
			store.Pause(ctx, pace)
			if _, err := st.ExecContext(ctx, micros(u.At), u.Addr, stamp, u.ID, micros(u.At.Add(-touchInterval))); err != nil {
				return nil, wrap("compact usage", err)
			}
		}
	}
	if len(f.Addrs) > 0 {
		seen, err := t.PrepareContext(ctx, `
			INSERT INTO key_addresses (key_id, addr, day, first_seen, last_seen, uses)
			SELECT id, ?, ?, ?, ?, ? FROM api_keys WHERE id = ?
			ON CONFLICT (key_id, addr, day) DO UPDATE SET
				first_seen = min(first_seen, excluded.first_seen),
				last_seen = max(last_seen, excluded.last_seen), uses = uses + excluded.uses`)
		if err != nil {
			return nil, wrap("record key addresses", err)
		}
		defer seen.Close()
		for _, a := range f.Addrs {
			store.Pause(ctx, pace)
			if _, err := seen.ExecContext(ctx, a.Addr, a.Day, micros(a.First), micros(a.Last), a.Uses, a.KeyID); err != nil {
				return nil, wrap("record key addresses", err)
			}
		}
	}
	if len(f.Counts) > 0 {
		count, err := t.PrepareContext(ctx, `
			INSERT INTO key_usage (key_id, day, reason, n)
			SELECT id, ?, ?, ? FROM api_keys WHERE id = ?
			ON CONFLICT (key_id, day, reason) DO UPDATE SET n = n + excluded.n`)
		if err != nil {
			return nil, wrap("record key usage", err)
		}
		defer count.Close()
		for _, c := range f.Counts {
			store.Pause(ctx, pace)
			if _, err := count.ExecContext(ctx, c.Day, c.Reason, c.N, c.KeyID); err != nil {
				return nil, wrap("record key usage", err)
			}
		}
	}
	if f.KeepFrom != "" && s.usageKept.Load() != f.KeepFrom {
		if _, err := t.ExecContext(ctx, `DELETE FROM key_usage WHERE day < ?`, f.KeepFrom); err != nil {
			return nil, wrap("prune key usage", err)
		}
	}
	keep := store.AddressKeepFrom(f.Newest)
	if len(f.Uses) > 0 && s.addrKept.Load() < keep {
		if _, err := t.ExecContext(ctx, `DELETE FROM key_addresses WHERE day < ?`, keep); err != nil {
			return nil, wrap("prune key addresses", err)
		}
	}
	// Marked pruned only once the transaction commits.
	return func() {
		if len(f.Uses) > 0 {
			s.addrKept.Store(max(s.addrKept.Load(), keep))
		}
		if f.KeepFrom != "" {
			s.usageKept.Store(f.KeepFrom)
		}
	}, nil
}

// unlessWriteWaits is pace until a write waits for the writer connection (a
// transaction holds it now): from then on it never pauses.
func (s *Store) unlessWriteWaits(pace store.Pacer) store.Pacer {
	if pace == nil {
		return nil
	}
	return &writeWaitPacer{pace: pace, s: s, waits: s.write.Stats().WaitCount}
}

type writeWaitPacer struct {
	pace  store.Pacer
	s     *Store
	waits int64 // the writer pool's waits when the transaction began
	done  bool  // a write waited: no more pauses
}

func (p *writeWaitPacer) Pause(ctx context.Context) {
	if p.done {
		return
	}
	if p.s.write.Stats().WaitCount != p.waits {
		p.done = true
		return
	}
	p.pace.Pause(ctx)
}
