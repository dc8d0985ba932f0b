package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Backup writes a consistent copy of the database at path to dest, which must not
// exist, with VACUUM INTO: one read transaction, so it sees the database as of
// one instant and neither blocks nor is blocked by a writer (the file is in WAL
// mode), whether the writer is this process or a running `apikeys serve`. The
// copy is written under a temporary name (mode 0600), synced, checked with
// PRAGMA quick_check and only then linked as dest, so dest is whole or absent.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: backup: no database at %s: %w", path, err)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists; give a new file", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".partial-"+hex.EncodeToString(rnd[:]))
	// VACUUM INTO accepts an empty file; making it first sets its mode.
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()
	defer os.Remove(tmp)

	src, err := sql.Open("sqlite", backupDSN(path, false))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("sqlite: backup: vacuum into %s: %w", tmp, err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := os.Link(tmp, dest); err != nil { // fails rather than replace a file made meanwhile
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// checkCopy opens the copy read-only and runs SQLite's quick_check on it.
func checkCopy(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", backupDSN(path, true))
	if err != nil {
		return fmt.Errorf("sqlite: backup: check: %w", err)
	}
	defer db.Close()
	if err := quickCheck(ctx, db); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// quickCheck runs PRAGMA quick_check and says what it found wrong, if anything.
func quickCheck(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the database fails its check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// backupDSN is a connection for Backup: it waits out a writer's lock like the
// store's own, and is not query_only (SQLite refuses VACUUM INTO there) though
// it only reads the source.
func backupDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(busyTimeout/time.Millisecond))+")")
	if readOnly {
		q.Set("mode", "ro")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
