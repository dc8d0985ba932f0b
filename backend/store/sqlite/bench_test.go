package sqlite_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

func benchKey(id string, created time.Time) model.Key {
	return model.Key{
		ID: id, Name: "Nightly import " + id, Type: model.KeyImport, Hint: "apk_imp_Ab3x…9fQz",
		Hash: model.HashSecret(id), CreatedAt: created, CreatedBy: "mem_1",
		ExpiresAt: created.Add(90 * 24 * time.Hour), UpdatedAt: created, UpdatedBy: "mem_2",
	}
}

// seed stores two members and n keys, created a second apart.
func seed(b testing.TB, s *sqlite.Store, n int) {
	b.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.Update(b.Context(), func(tx store.Tx) error {
		for i, name := range []string{"Ana", "Bo"} {
			if err := tx.InsertMember(b.Context(), model.Member{ID: fmt.Sprintf("mem_%d", i+1), Name: name,
				Email: name + "@example.com", AccountType: model.PrimaryOwner, Status: model.StatusActive,
				CreatedAt: t0, UpdatedAt: t0}); err != nil {
				return err
			}
		}
		for i := range n {
			if err := tx.InsertKey(b.Context(), benchKey(fmt.Sprintf("key_%06d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkKeys10k lists 10,000 keys with their creators' and editors' names:
// the API Keys page and `keys list` of a large workspace, read again with no
// change in between (from the cache).
func BenchmarkKeys10k(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		keys, err := s.Keys(b.Context(), store.KeyQuery{})
		if err != nil || len(keys) != 10_000 {
			b.Fatalf("Keys = %d, %v", len(keys), err)
		}
	}
}

// BenchmarkKeys10kAfterWrite is the same list when something was committed since
// the last one (here a last-used touch, outside the timing), so it can't come
// from the cache: the cost of a cold list.
func BenchmarkKeys10kAfterWrite(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, 10_000)
	b.ReportAllocs()
	used := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		used = used.Add(time.Hour)
		if err := s.TouchKey(b.Context(), "key_000001", used, "192.0.2.1:1"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		keys, err := s.Keys(b.Context(), store.KeyQuery{})
		if err != nil || len(keys) != 10_000 {
			b.Fatalf("Keys = %d, %v", len(keys), err)
		}
	}
}

// BenchmarkInsertKey is what creating a key costs the store: one transaction
// holding the key and its audit event, committed durably.
func BenchmarkInsertKey(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, 1_000)
	payload := json.RawMessage(`{"keyId":"key_x","name":"Nightly import","type":"import"}`)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("key_b%08d", i)
		err := s.Update(b.Context(), func(tx store.Tx) error {
			if err := tx.InsertKey(b.Context(), benchKey(id, time.Now())); err != nil {
				return err
			}
			return tx.AppendEvent(b.Context(), model.AuditEvent{ID: "evt_" + id, Type: model.EventApiKeyCreated,
				EventTimestamp: time.Now(), Actor: model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Ana"},
				Source: model.SourceCLI, Payload: payload})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyByHash is the store's share of authenticating a key.
func BenchmarkKeyByHash(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, 10_000)
	hash := model.HashSecret("key_005000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.KeyByHash(b.Context(), hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouchKeys100k records one 100 ms batch of last uses as `serve` does
// under load: 1000 distinct keys of 100,000, at random, each a first use.
func BenchmarkTouchKeys100k(b *testing.B) {
	const n, batch = 100_000, 1000
	s := open(b, filepath.Join(b.TempDir(), "apikeys.db"))
	seed(b, s, n)
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	uses := make([]store.KeyUse, batch)
	next := uint64(0)
	for b.Loop() {
		at = at.Add(2 * time.Minute) // every use a first use in its minute
		for i := range uses {
			next = next*6364136223846793005 + 1442695040888963407
			uses[i] = store.KeyUse{ID: fmt.Sprintf("key_%06d", next>>33%n), At: at, Addr: "192.0.2.1:1"}
		}
		if err := s.TouchKeys(b.Context(), uses); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventPageDeep is one page of 1000 audit events after a page token
// 90,000 events deep in a log of 100,000: the page a client walking the log
// by token reads, the token carrying its listing's window (from, to). It
// costs what the first page costs only if the index range starts at the
// token, not at to: 22–33 ms before Events bounded it so, 2.4–3.3 ms after
// (load average 10–13).
func BenchmarkEventPageDeep(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "apikeys.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n, depth = 100_000, 90_000
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	payload := json.RawMessage(`{"keyId":"key_0000000000000001","name":"Nightly import","type":"import"}`)
	for from := 0; from < n; from += 10_000 {
		if err := s.Update(b.Context(), func(tx store.Tx) error {
			for i := from; i < from+10_000; i++ {
				at := start.Add(time.Duration(i) * time.Second)
				if err := tx.AppendEvent(b.Context(), model.AuditEvent{
					ID: fmt.Sprintf("evt_%016d", i), Type: model.EventApiKeyCreated, EventTimestamp: at, IngestionTimestamp: at,
					Actor:  model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Olive Owner", Email: "olive@example.com"},
					Source: model.SourceTUI, Payload: payload,
				}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	at := start.Add(time.Duration(n-depth) * time.Second)
	// A token carries its listing's window: the first page's from and to.
	q := store.EventQuery{Limit: 1000, From: start, To: start.Add(n * time.Second),
		After: &store.Cursor{Ingestion: at, ID: fmt.Sprintf("evt_%016d", n-depth)}}
	for b.Loop() {
		evs, err := s.Events(b.Context(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != 1000 || evs[0].ID != fmt.Sprintf("evt_%016d", n-depth-1) {
			b.Fatalf("%d events from %v", len(evs), evs[0].ID)
		}
	}
}
