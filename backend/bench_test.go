package backend_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/postgres/pgtest"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// benchClient is an owner's client over a real SQLite store holding n keys.
func benchClient(b *testing.B, n int) client.Client {
	b.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "apikeys.db"))
	if err != nil {
		b.Fatal(err)
	}
	return benchClientOn(b, st, n)
}

// BenchmarkCreateKeyPostgres is BenchmarkCreateKey on PostgreSQL (a fresh
// database on the server the tests find): each statement a round trip, each
// prepared once per connection by pgx's statement cache.
func BenchmarkCreateKeyPostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.Database(b, "apikeys_bench_"))
	if err != nil {
		b.Fatal(err)
	}
	benchCreate(b, benchClientOn(b, st, 0))
}

// benchClientOn is benchClient on st.
func benchClientOn(b *testing.B, st store.Store, n int) client.Client {
	b.Helper()
	ctx := context.Background()
	b.Cleanup(func() { st.Close() })
	be := backend.New(backend.Config{Store: st})
	owner, _, err := be.Bootstrap(ctx, "Bench", "Owner", "owner@example.com", nil)
	if err != nil {
		b.Fatal(err)
	}
	now := be.Now()
	exp := be.Policy().ExpiresAt(be.Policy().Today(now).AddDays(90))
	// Insert directly in one transaction: the benchmark is about reading them.
	err = st.Update(ctx, func(tx store.Tx) error {
		for range n {
			s, _ := model.NewSecret(model.KeyImport)
			k := model.Key{ID: model.NewID("key"), Name: "nightly import", Type: model.KeyImport,
				Hint: s.Hint(), Hash: s.Hash(), CreatedAt: now, CreatedBy: owner.ID,
				ExpiresAt: exp, UpdatedAt: now, UpdatedBy: owner.ID, Version: 1}
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c, err := be.SessionFor(ctx, owner.ID, model.SourceCLI)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkListKeys10k lists 10,000 keys through the client (aim: under 20 ms).
func BenchmarkListKeys10k(b *testing.B) {
	c := benchClient(b, 10_000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		keys, err := c.ListKeys(ctx, client.KeyFilter{})
		if err != nil || len(keys) != 10_000 {
			b.Fatal(len(keys), err)
		}
	}
}

// BenchmarkCreateKey creates one key per op: one transaction, audit event included
// (aim: under 2 ms).
func BenchmarkCreateKey(b *testing.B) {
	benchCreate(b, benchClient(b, 0))
}

func benchCreate(b *testing.B, c client.Client) {
	ctx := context.Background()
	d := c.Policy().Today(c.Now()).AddDays(30)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: "bench", Type: model.KeyExport, Expires: d}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListKeys10kAfterChange lists 10,000 keys right after another write to
// the database, so the store can't serve its cached list: the cold path.
func BenchmarkListKeys10kAfterChange(b *testing.B) {
	c := benchClient(b, 10_000)
	ctx := context.Background()
	keys, err := c.ListKeys(ctx, client.KeyFilter{})
	if err != nil {
		b.Fatal(err)
	}
	name := "renamed"
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if _, err := c.EditKey(ctx, keys[0].ID, client.EditKeyRequest{Name: &name}); err != nil {
			b.Fatal(err)
		}
		name += "x"
		if len(name) > 60 {
			name = "renamed"
		}
		b.StartTimer()
		if keys, err = c.ListKeys(ctx, client.KeyFilter{}); err != nil || len(keys) != 10_000 {
			b.Fatal(len(keys), err)
		}
	}
}

// BenchmarkRotateKey rotates a key per op, the replacement each time: one
// transaction with a new key, the old one updated and the audit event.
func BenchmarkRotateKey(b *testing.B) {
	benchRotate(b, benchClient(b, 0))
}

func benchRotate(b *testing.B, c client.Client) {
	ctx := context.Background()
	d := c.Policy().Today(c.Now()).AddDays(30)
	k, _, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: "bench", Type: model.KeyExport, Expires: d})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rot, err := c.RotateKey(ctx, k.ID, client.RotateKeyRequest{Grace: 24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		k = rot.New
	}
}

// BenchmarkDeleteKey deletes a key per op (of b.N stored beforehand): the key
// read, its tombstone written and the audit event.
func BenchmarkDeleteKey(b *testing.B) {
	benchDelete(b, benchClient(b, b.N))
}

func benchDelete(b *testing.B, c client.Client) {
	ctx := context.Background()
	keys, err := c.ListKeys(ctx, client.KeyFilter{})
	if err != nil || len(keys) != b.N {
		b.Fatal(len(keys), err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := c.DeleteKey(ctx, keys[i].ID, 0); err != nil {
			b.Fatal(err)
		}
	}
}
