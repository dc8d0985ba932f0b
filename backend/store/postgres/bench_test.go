package postgres_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// BenchmarkKeyByHash is the database half of verifying a key: one indexed look-up
// with the creator's and editor's names, among 10,000 keys.
func BenchmarkKeyByHash(b *testing.B) {
	s := open(b, freshDatabase(b))
	ctx := b.Context()
	const n = 10000
	keys := make([]model.Key, n)
	if err := s.Update(ctx, func(tx store.Tx) error {
		for i := range keys {
			keys[i] = testKey(fmt.Sprintf("key_%05d", i))
			if err := tx.InsertKey(ctx, keys[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}

	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.KeyByHash(ctx, keys[i%n].Hash); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.KeyByHash(ctx, keys[next.Add(1)%n].Hash); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkInsertKey is what creating a key costs the store: one write
// transaction (queued behind other writers) holding the key and its audit event.
func BenchmarkInsertKey(b *testing.B) {
	s := open(b, freshDatabase(b))
	ctx := b.Context()
	i := 0
	for b.Loop() {
		k := testKey(fmt.Sprintf("key_%08d", i))
		e := model.AuditEvent{
			ID: fmt.Sprintf("evt_%08d", i), Type: model.EventApiKeyCreated,
			EventTimestamp: t0, IngestionTimestamp: t0,
			Actor:  model.Actor{Type: model.ActorMember, ID: "mem_ana", Name: "Ana"},
			Source: model.SourceCLI, Payload: json.RawMessage(`{"keyId":"` + k.ID + `"}`),
		}
		if err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertKey(ctx, k); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, e)
		}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
