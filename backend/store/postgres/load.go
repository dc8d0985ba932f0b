package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// loadColumns are the api_keys columns LoadKeys copies, in the order it
// gives them.
var loadColumns = []string{"id", "name", "type", "hint", "hash", "created_at", "created_by", "expires_at",
	"last_used_at", "last_used_addr", "rotated_from", "replaced_by", "deleted_at", "updated_at", "updated_by", "version"}

// LoadKeys inserts keys with COPY (one stream, in PostgreSQL's binary format),
// in one transaction queued behind the other writers: for seeding a store with a
// million keys (cmd/seed). One notice in place of a million tells every
// instance's subscribers to reload (store.NoticeResync). A duplicate id or hash
// fails the whole load.
func LoadKeys(ctx context.Context, s *Store, keys iter.Seq[model.Key]) (int, error) {
	var n int
	err := s.writeTx(ctx, func(t pgx.Tx) error {
		next, stop := iter.Pull(keys)
		defer stop()
		row := make([]any, len(loadColumns))
		copied, err := t.CopyFrom(ctx, pgx.Identifier{"api_keys"}, loadColumns, pgx.CopyFromFunc(func() ([]any, error) {
			k, ok := next()
			if !ok {
				return nil, nil
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = k.ID, k.Name, string(k.Type), k.Hint,
				k.Hash, ts(k.CreatedAt), k.CreatedBy, ts(k.ExpiresAt)
			row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15] = nullTS(k.LastUsedAt), k.LastUsedAddr,
				k.RotatedFrom, k.ReplacedBy, nullTS(k.DeletedAt), ts(k.UpdatedAt), k.UpdatedBy, int64(1)
			return row, nil
		}))
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
				return errors.New("postgres: load: two keys have the same id or secret, or one is already in the store: nothing was loaded")
			}
			return wrap("load keys", err)
		}
		n = int(copied)
		// Not a notice line: every instance reads it as a resync.
		_, err = t.Exec(ctx, `SELECT pg_notify($1, 'resync')`, channel)
		return wrap("load keys: notify", err)
	})
	if err != nil {
		return 0, err
	}
	s.watchers.Publish([]store.Notice{{Kind: store.NoticeResync}})
	return n, nil
}
