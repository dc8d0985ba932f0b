package sqlite

import (
	"context"
	"database/sql"
)

// Pragmas reads the settings that matter from the writer or a reader connection.
func Pragmas(ctx context.Context, s *Store, writer bool) (map[string]string, error) {
	db := s.read
	if writer {
		db = s.write
	}
	out := map[string]string{}
	for _, name := range []string{"journal_mode", "foreign_keys", "synchronous", "busy_timeout", "query_only"} {
		var v sql.NullString
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			return nil, err
		}
		out[name] = v.String
	}
	return out, nil
}

// IntegrityCheck runs PRAGMA integrity_check.
func IntegrityCheck(ctx context.Context, s *Store) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&v)
	return v, err
}
