package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// newBackupCmd is `apikeys backup --to FILE`.
func newBackupCmd(a *app) *cobra.Command {
	var to string
	c := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Write a consistent copy of the embedded database",
		Long: `backup writes a consistent copy of the embedded SQLite database (SQLite's
VACUUM INTO: the database as of one instant), safe while serve runs and writes.
The copy is checked before it is kept; FILE must not exist. It holds key hashes,
members and the audit trail: keep it as private as the data directory.

To restore: stop serve, move the data directory's apikeys.db, apikeys.db-wal and
apikeys.db-shm aside, copy the backup in as apikeys.db (mode 0600, owned by the
service's user), and start serve again.

On PostgreSQL (--db) use pg_dump instead.`,
		Args:        exactArgs(),
		Annotations: map[string]string{localOnlyAnnotation: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usagef("--to FILE is required: where to write the copy")
			}
			return a.backup(cmd, to)
		},
	}
	c.Flags().StringVar(&to, "to", "", "write the copy to this new `FILE`")
	return c
}

func (a *app) backup(cmd *cobra.Command, to string) error {
	cfg, err := a.localConfig()
	if err != nil {
		return err
	}
	if cfg.db != "" {
		return errors.New("the workspace is on PostgreSQL: back it up with pg_dump, e.g. pg_dump --format=custom --file=apikeys.dump \"$APIKEYS_DB\", and restore with pg_restore")
	}
	src := filepath.Join(cfg.dataDir, dbFile)
	if err := sqlite.Backup(cmd.Context(), src, to); err != nil {
		return err
	}
	fi, err := os.Stat(to)
	if err != nil {
		return err
	}
	if a.flags.json {
		return writeJSON(a.env.stdout, contract.Backup{From: src, To: to, Bytes: fi.Size()})
	}
	fmt.Fprintf(a.env.stdout, "Backed up %s to %s (%d bytes, checked).\n", model.Sanitize(src), model.Sanitize(to), fi.Size())
	return nil
}
