package postgres

import "context"

// PreparedStatements lists the statements prepared on the connection the
// pool hands out next (with pool_max_conns=1, its only one).
func PreparedStatements(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT statement FROM pg_prepared_statements`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
