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
//
// The workspace and its owner are made through the backend, as the first run
// of apikeys makes them; the keys go in as one bulk load (sqlite.LoadKeys,
// postgres.LoadKeys with COPY), without audit events: a million keys in well
// under a minute, and a store like any other afterwards.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

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
	var (
		st    store.Store
		pgst  *postgres.Store
		dbase = filepath.Join(dir, "apikeys.db")
	)
	if pg != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if pgst, err = postgres.Open(ctx, pg); err != nil {
			return err
		}
		st = pgst
	} else if st, err = sqlite.Open(ctx, dbase); err != nil {
		return err
	}
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
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
	// Straight into the store in one bulk load: seeding measures nothing, and
	// a million audit events would only slow it down.
	var (
		genErr  error
		secrets io.Writer // not out itself: a nil *bufio.Writer is a non-nil io.Writer
	)
	if out != nil {
		secrets = out
	}
	keys := seededKeys(be, owner.ID, n, secrets, &genErr)
	if pgst != nil {
		_, err = postgres.LoadKeys(ctx, pgst, keys)
	} else {
		// The loader takes the file for itself: the store lets go of it first.
		if err := st.Close(); err != nil {
			return err
		}
		st = nil
		_, err = sqlite.LoadKeys(ctx, dbase, keys)
	}
	if err = errors.Join(genErr, err); err != nil {
		return err
	}
	if out != nil {
		return out.Flush()
	}
	return nil
}

// genBatch is how many keys the generator hands over at a time.
const genBatch = 1000

// seededKeys yields n keys of owner's, writing each one's secret to out (if
// not nil) as it goes; it stops at the first error, which it leaves in *errp.
// Keys and secrets are made on another goroutine, beside the load: on two
// cores that takes them off the load's path.
//
// The ids are random, as the backend makes them, but handed out in sorted
// order: the primary key's index, which the loader can't drop, then grows at
// its end instead of at a million random places (a sixth of the load).
func seededKeys(be *backend.Backend, owner string, n int, out io.Writer, errp *error) iter.Seq[model.Key] {
	now := be.Now()
	return func(yield func(model.Key) bool) {
		ids := sortedIDs(n)
		batches, done := make(chan []model.Key, 4), make(chan struct{})
		defer func() {
			close(done)
			for range batches { // the generator has returned once batches is closed
			}
		}()
		go func() {
			defer close(batches)
			for from := 0; from < n; from += genBatch {
				batch := make([]model.Key, 0, genBatch)
				for i := from; i < min(from+genBatch, n); i++ {
					k, s, err := seededKey(be, owner, now, i)
					if err == nil && out != nil {
						err = writeSecret(out, s)
					}
					if err != nil {
						*errp = err
						return
					}
					k.ID = "key_" + string(ids[i][:])
					batch = append(batch, k)
				}
				select {
				case batches <- batch:
				case <-done:
					return
				}
			}
		}()
		for batch := range batches {
			for _, k := range batch {
				if !yield(k) {
					return
				}
			}
		}
	}
}

// sortedIDs makes n key ids' random parts (model.NewID's) and sorts them.
// They are kept as arrays, not strings: a million strings held for the whole
// load cost the garbage collector a scan of a million pointers each cycle.
func sortedIDs(n int) [][16]byte {
	ids := make([][16]byte, n)
	for i := range ids {
		id := model.NewID("")[1:]
		if len(id) != len(ids[i]) {
			panic("seed: model.NewID changed its length")
		}
		copy(ids[i][:], id)
	}
	slices.SortFunc(ids, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	return ids
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
