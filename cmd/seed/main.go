// Command seed fills a new data directory with a workspace and many keys, for
// measuring the TUI, the CLI and the HTTP API against a realistic store:
//
//	go run ./cmd/seed -n 10000 /tmp/apikeys-10k
//	APIKEYS_DATA_DIR=/tmp/apikeys-10k go run ./cmd/apikeys
//
// With -secrets FILE it also writes every seeded key's secret, one a line, to
// FILE (created with mode 0600, refused if it exists), for load tools that
// verify many distinct keys:
//
//	go run ./cmd/seed -n 1000000 -secrets /tmp/1m.secrets /tmp/apikeys-1m
//
// With -postgres URL the keys go to that PostgreSQL database instead of DIR
// (which then only receives the local-member file the CLI acts as).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// batchSize is how many keys go into one transaction: a few large transactions
// instead of one per key (each commit is an fsync) or one of a million (a
// transaction that large holds the write lock, and its undo, for the whole run).
const batchSize = 50_000

func main() {
	n := flag.Int("n", 10_000, "how many keys to create")
	secrets := flag.String("secrets", "", "also write each key's secret, one a line, to this new file (mode 0600)")
	pg := flag.String("postgres", "", "seed this empty PostgreSQL database (postgres://…) instead of DIR's SQLite file")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: seed [-n COUNT] [-secrets FILE] [-postgres URL] DATA_DIR   (DATA_DIR must not hold a workspace yet)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *n < 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Arg(0), *pg, *secrets, *cpuprofile, *n))
}

func run(dir, pg, secrets, cpuprofile string, n int) int {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "seed:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "seed:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	if err := seed(context.Background(), dir, pg, secrets, n); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "seed: %d keys in %v\n", n, time.Since(start).Round(time.Millisecond))
	return 0
}

func open(ctx context.Context, dir, pg string) (store.Store, error) {
	if pg != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return postgres.Open(ctx, pg)
	}
	return sqlite.Open(ctx, filepath.Join(dir, "apikeys.db"))
}

func seed(ctx context.Context, dir, pg, secretsPath string, n int) (err error) {
	var out *bufio.Writer
	if secretsPath != "" {
		// O_EXCL: never truncate a file that may be someone else's.
		f, err := os.OpenFile(secretsPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("secrets file: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(secretsPath) // half a list of secrets helps no one
			}
		}()
		out = bufio.NewWriterSize(f, 1<<20)
	}
	st, err := open(ctx, dir, pg)
	if err != nil {
		return err
	}
	defer st.Close()
	be := backend.New(backend.Config{Store: st})
	owner, created, err := be.Bootstrap(ctx, "Seeded workspace", "Owner", "owner@localhost", nil)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%s already holds a workspace", dir)
	}
	// The CLI acts as the member this file names (see cmd/apikeys/local.go).
	if err := os.WriteFile(filepath.Join(dir, "local-member"), []byte(owner.Email+"\n"), 0o600); err != nil {
		return err
	}
	now := be.Now()
	// Straight into the store in a few transactions: seeding measures nothing,
	// and a million audit events would only slow it down.
	for from := 0; from < n; from += batchSize {
		err := st.Update(ctx, func(tx store.Tx) error {
			for i := from; i < min(from+batchSize, n); i++ {
				k, s, err := seededKey(be, owner.ID, now, i)
				if err != nil {
					return err
				}
				if err := tx.InsertKey(ctx, k); err != nil {
					return err
				}
				if out != nil {
					if err := writeSecret(out, s); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if out != nil {
		return out.Flush()
	}
	return nil
}

func seededKey(be *backend.Backend, owner string, now time.Time, i int) (model.Key, model.Secret, error) {
	types := model.KeyTypes
	kt := types[i%len(types)]
	s, err := model.NewSecret(kt)
	if err != nil {
		return model.Key{}, model.Secret{}, err
	}
	exp := be.Policy().ExpiresAt(be.Policy().Today(now).AddDays(1 + i%365))
	k := model.Key{ID: model.NewID("key"), Name: fmt.Sprintf("%s key %05d", kt.Label(), i), Type: kt,
		Hint: s.Hint(), Hash: s.Hash(), CreatedAt: now.Add(-time.Duration(i) * time.Minute), CreatedBy: owner,
		ExpiresAt: exp, UpdatedAt: now, UpdatedBy: owner, Version: 1}
	return k, s, nil
}

func writeSecret(w io.Writer, s model.Secret) error {
	if _, err := io.WriteString(w, s.Reveal()); err != nil {
		return errors.New("write the secrets file: " + err.Error()) // no secret in the message
	}
	_, err := io.WriteString(w, "\n")
	return err
}
