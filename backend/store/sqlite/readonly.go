package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadOnlyError is what a read-only store returns for every write: the data
// directory (or the database file) can't be written, so reads work and changes
// can't be made.
type ReadOnlyError struct{ Dir string }

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("The data directory %s is read-only, so nothing can be changed there; read commands (keys list, members list, audit) still work.", e.Dir)
}

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.write == nil }

// readOnly reports a file or directory this process can't write: its mode has
// no write bit for anyone (chmod a-w, even for root, who could write anyway:
// the owner asked for it to be left alone), or the OS says no (permissions, a
// read-only mount). A path that doesn't exist is not read-only.
func readOnly(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	return fi.Mode().Perm()&0o222 == 0 || !writable(path)
}

// openReadOnly opens an existing database without writing anything beside it.
// With a -wal file there (`serve` or another writer has it open), mode=ro reads
// it through the -shm index the writer keeps. Without one nobody is in the
// middle of a write, and immutable=1 reads the file as it is: mode=ro alone
// would create a -wal and a -shm, which a read-only directory must not get
// (root can create them, and would leave root-owned files in another's directory).
func openReadOnly(ctx context.Context, path string) (*Store, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the data directory %s is read-only and holds no workspace yet: the first run must create one (chmod u+w %s, or pick another --data-dir)", dir, dir)
	}
	mode := modeImmutable
	if _, err := os.Stat(path + "-wal"); err == nil {
		mode = modeReadOnly
	}
	read, err := openChecked(ctx, path, mode)
	if err != nil {
		return nil, fmt.Errorf("can't read the database in the read-only data directory %s: %w", dir, err)
	}
	if err := checkSchema(ctx, read, dir); err != nil {
		read.Close()
		return nil, err
	}
	s, err := newStore(ctx, read, nil)
	if err != nil {
		return nil, err
	}
	s.readOnlyErr = &ReadOnlyError{Dir: dir}
	s.reader.raw = newRawPool(dsn(path, mode))
	return s, nil
}

// openChecked opens a pool and reads from it once, so that a file SQLite can't
// open fails here rather than at the first query.
func openChecked(ctx context.Context, path string, mode openMode) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, mode))
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSchema refuses a database a read-only store can't use: one that needs
// migrations it can't apply, or one newer than this apikeys.
func checkSchema(ctx context.Context, db *sql.DB, dir string) error {
	latest, err := latestMigration()
	if err != nil {
		return err
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("the database in the read-only data directory %s has no schema version: %w", dir, err)
	}
	switch {
	case current < latest:
		return fmt.Errorf("the database in %s needs upgrading (schema %d to %d) but the directory is read-only: run apikeys once where it can write there", dir, current, latest)
	case current > latest:
		return fmt.Errorf("the database has schema version %d but this apikeys knows only up to %d: use a newer apikeys", current, latest)
	}
	return nil
}

// latestMigration is the highest version among the embedded migrations.
func latestMigration() (int, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return 0, err
	}
	latest := 0
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return 0, err
		}
		latest = max(latest, v)
	}
	return latest, nil
}
