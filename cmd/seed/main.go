// Command seed fills a new data directory with a workspace and many keys, for
// measuring the TUI and CLI against a realistic store:
//
//	go run ./cmd/seed -n 10000 /tmp/apikeys-10k
//	APIKEYS_DATA_DIR=/tmp/apikeys-10k go run ./cmd/apikeys
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

func main() {
	n := flag.Int("n", 10_000, "how many keys to create")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: seed [-n COUNT] DATA_DIR   (DATA_DIR must not hold a workspace yet)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := seed(context.Background(), flag.Arg(0), *n); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func seed(ctx context.Context, dir string, n int) error {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "apikeys.db"))
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
	types := model.KeyTypes
	// Straight into the store in one transaction: seeding measures nothing, and
	// 10,000 audit events would only slow it down.
	return st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			kt := types[i%len(types)]
			s, err := model.NewSecret(kt)
			if err != nil {
				return err
			}
			exp := be.Policy().ExpiresAt(be.Policy().Today(now).AddDays(1 + i%365))
			k := model.Key{ID: model.NewID("key"), Name: fmt.Sprintf("%s key %05d", kt.Label(), i), Type: kt,
				Hint: s.Hint(), Hash: s.Hash(), CreatedAt: now.Add(-time.Duration(i) * time.Minute), CreatedBy: owner.ID,
				ExpiresAt: exp, UpdatedAt: now, UpdatedBy: owner.ID, Version: 1}
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}
