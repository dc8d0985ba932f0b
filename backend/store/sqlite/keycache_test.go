package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

var cacheT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cacheKey(id string, created time.Time, by string) model.Key {
	return model.Key{ID: id, Name: "Key " + id, Type: model.KeyExport, Hint: "apk_exp_Ab3x…9fQz",
		Hash: model.HashSecret(id), CreatedAt: created, CreatedBy: by,
		ExpiresAt: created.Add(30 * 24 * time.Hour), UpdatedAt: created, UpdatedBy: by}
}

func cacheMember(id, name string) model.Member {
	return model.Member{ID: id, Name: name, Email: id + "@example.com", AccountType: model.WorkspaceAdmin,
		Status: model.StatusActive, CreatedAt: cacheT0, UpdatedAt: cacheT0}
}

func mustUpdate(t *testing.T, s *sqlite.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return fn(t.Context(), tx) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// editKey applies change to the stored key at its current version.
func editKey(t *testing.T, s *sqlite.Store, id string, change func(k *model.Key)) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		k, err := tx.Key(ctx, id)
		if err != nil {
			return err
		}
		change(&k)
		_, err = tx.UpdateKey(ctx, k)
		return err
	})
}

// editMember applies change to the stored member at its current version.
func editMember(t *testing.T, s *sqlite.Store, id string, change func(m *model.Member)) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		m, err := tx.Member(ctx, id)
		if err != nil {
			return err
		}
		change(&m)
		_, err = tx.UpdateMember(ctx, m)
		return err
	})
}

// checkKeys fails the test unless the (possibly cached) list of s is exactly
// what the database holds, with and without tombstones, and returns it with
// tombstones.
func checkKeys(t *testing.T, what string, s *sqlite.Store) []model.Key {
	t.Helper()
	var all []model.Key
	for _, q := range []store.KeyQuery{{IncludeDeleted: true}, {}} {
		got, err := s.Keys(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: Keys: %v", what, err)
		}
		want, err := sqlite.UncachedKeys(t.Context(), s, q)
		if err != nil {
			t.Fatalf("%s: reading keys from the database: %v", what, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Keys(IncludeDeleted=%v) differs from the database:\n%s", what, q.IncludeDeleted,
				keysDiff(want, got))
		}
		if q.IncludeDeleted {
			all = got
		}
	}
	return all
}

// keysDiff describes how two lists differ, briefly.
func keysDiff(want, got []model.Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\t%d keys, want %d\n", len(got), len(want))
	for i := range max(len(want), len(got)) {
		var w, g any = "-", "-"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if !reflect.DeepEqual(w, g) {
			fmt.Fprintf(&b, "\t[%d] got  %+v\n\t     want %+v\n", i, g, w)
			if b.Len() > 4000 {
				break
			}
		}
	}
	return b.String()
}

func findKey(keys []model.Key, id string) *model.Key {
	for i := range keys {
		if keys[i].ID == id {
			return &keys[i]
		}
	}
	return nil
}

// The CLI and `apikeys serve` share the file: each kind of change one of them
// commits must show in the other's very next Keys call, read incrementally when
// only keys changed and in full when a member's name did.
func TestKeysSeesEachChangeFromAnotherStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	server, cli := open(t, path), open(t, path)
	mustUpdate(t, cli, func(ctx context.Context, tx store.Tx) error {
		for _, m := range []model.Member{cacheMember("mem_ana", "Ana"), cacheMember("mem_bo", "Bo")} {
			if err := tx.InsertMember(ctx, m); err != nil {
				return err
			}
		}
		for i, by := range []string{"mem_ana", "mem_bo", "mem_later"} {
			if err := tx.InsertKey(ctx, cacheKey(fmt.Sprintf("key_%d", i+1), cacheT0.Add(time.Duration(i)*time.Hour), by)); err != nil {
				return err
			}
		}
		return nil
	})
	checkKeys(t, "first list", server)

	touched := cacheT0.Add(48 * time.Hour)
	steps := []struct {
		name   string
		change func()
		load   string // "delta", "full" or "" (the cache was still right)
		check  func(keys []model.Key) bool
	}{
		{"create", func() {
			mustUpdate(t, cli, func(ctx context.Context, tx store.Tx) error {
				return tx.InsertKey(ctx, cacheKey("key_4", cacheT0.Add(3*time.Hour), "mem_ana"))
			})
		}, "delta", func(keys []model.Key) bool { return keys[0].ID == "key_4" && keys[0].CreatedByName == "Ana" }},
		{"edit", func() { editKey(t, cli, "key_1", func(k *model.Key) { k.Name, k.UpdatedBy = "Edited", "mem_bo" }) },
			"delta", func(keys []model.Key) bool {
				k := findKey(keys, "key_1")
				return k.Name == "Edited" && k.UpdatedByName == "Bo" && k.Version == 2
			}},
		{"touch", func() {
			if err := cli.TouchKey(t.Context(), "key_2", touched, "192.0.2.7:1"); err != nil {
				t.Fatal(err)
			}
		}, "delta", func(keys []model.Key) bool {
			k := findKey(keys, "key_2")
			return k.LastUsedAt != nil && k.LastUsedAt.Equal(touched) && k.LastUsedAddr == "192.0.2.7:1"
		}},
		{"delete", func() { editKey(t, cli, "key_1", func(k *model.Key) { k.DeletedAt = &touched }) },
			"delta", func(keys []model.Key) bool { k := findKey(keys, "key_1"); return k.DeletedAt != nil }},
		{"rename a member", func() { editMember(t, cli, "mem_ana", func(m *model.Member) { m.Name = "Ana Lima" }) },
			"full", func(keys []model.Key) bool {
				return findKey(keys, "key_4").CreatedByName == "Ana Lima" && findKey(keys, "key_1").CreatedByName == "Ana Lima"
			}},
		{"add the member who created a key", func() {
			mustUpdate(t, cli, func(ctx context.Context, tx store.Tx) error {
				return tx.InsertMember(ctx, cacheMember("mem_later", "Cy"))
			})
		}, "full", func(keys []model.Key) bool { return findKey(keys, "key_3").CreatedByName == "Cy" }},
		{"change an account type", func() {
			editMember(t, cli, "mem_bo", func(m *model.Member) { m.AccountType = model.SecurityAdmin })
		}, "", func(keys []model.Key) bool { return findKey(keys, "key_2").CreatedByName == "Bo" }},
		{"append an audit event", func() {
			mustUpdate(t, cli, func(ctx context.Context, tx store.Tx) error {
				return tx.AppendEvent(ctx, model.AuditEvent{ID: "evt_1", Type: model.EventApiKeyCreated,
					EventTimestamp: cacheT0, Actor: model.Actor{Type: model.ActorSystem, ID: "system", Name: "system"},
					Source: model.SourceCLI, Payload: json.RawMessage(`{}`)})
			})
		}, "", func(keys []model.Key) bool { return len(keys) == 4 }},
	}
	for _, st := range steps {
		full0, delta0 := sqlite.CacheLoads(server)
		st.change()
		keys := checkKeys(t, st.name, server)
		if !st.check(keys) {
			t.Fatalf("%s: the next list does not show it: %+v", st.name, keys)
		}
		full, delta := sqlite.CacheLoads(server)
		load := ""
		switch {
		case full != full0 && delta == delta0:
			load = "full"
		case delta != delta0 && full == full0:
			load = "delta"
		case full != full0 || delta != delta0:
			load = "several"
		}
		if load != st.load {
			t.Errorf("%s: the cache did a %q read, want %q", st.name, load, st.load)
		}
	}
}

// The incremental list must equal a full read after any sequence of changes,
// by this store or another one on the file, and by tools outside the store.
func TestKeyCacheMatchesFullReadAfterRandomChanges(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { randomChanges(t, seed) })
	}
}

func randomChanges(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	path := filepath.Join(t.TempDir(), "apikeys.db")
	cached, other := open(t, path), open(t, path)
	members := []string{"mem_0", "mem_1", "mem_2"}
	mustUpdate(t, other, func(ctx context.Context, tx store.Tx) error {
		for _, id := range members {
			if err := tx.InsertMember(ctx, cacheMember(id, "Member "+id)); err != nil {
				return err
			}
		}
		return nil
	})
	var ids []string
	next := 0
	clock := cacheT0
	writer := func() *sqlite.Store {
		if rng.IntN(2) == 0 {
			return cached
		}
		return other
	}
	// Few distinct creation times, so ties broken by id are common. Creators
	// include ids of members that don't exist yet.
	newKey := func() model.Key {
		next++
		id := fmt.Sprintf("key_%c%03d", "aBz"[rng.IntN(3)], next)
		ids = append(ids, id)
		by := fmt.Sprintf("mem_%d", rng.IntN(5))
		return cacheKey(id, cacheT0.Add(time.Duration(rng.IntN(20))*time.Minute), by)
	}
	insert := func(s *sqlite.Store, n int) {
		mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
			for range n {
				if err := tx.InsertKey(ctx, newKey()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	someKey := func() string { return ids[rng.IntN(len(ids))] }

	insert(other, 5)
	checkKeys(t, "first list", cached)
	const steps = 200 // about 5 s per seed under -race: the transpiled C is slow to instrument
	for step := range steps {
		clock = clock.Add(time.Duration(1+rng.IntN(120)) * time.Second)
		var what string
		switch r := rng.IntN(100); {
		case r < 25:
			what = "insert a key"
			insert(writer(), 1)
		case r < 30:
			what = "insert several keys"
			insert(writer(), 2+rng.IntN(5))
		case r < 45:
			what = "edit a key"
			editKey(t, writer(), someKey(), func(k *model.Key) {
				k.Name = fmt.Sprintf("Renamed %d", step)
				k.ExpiresAt = clock.Add(time.Duration(rng.IntN(100)) * time.Hour)
				k.UpdatedBy = members[rng.IntN(len(members))]
				k.UpdatedAt = clock
			})
		case r < 52:
			what = "delete a key"
			editKey(t, writer(), someKey(), func(k *model.Key) { k.DeletedAt = &clock })
		case r < 72:
			what = "touch a key"
			if err := writer().TouchKey(t.Context(), someKey(), clock, fmt.Sprintf("192.0.2.%d:1", step%250)); err != nil {
				t.Fatal(err)
			}
		case r < 76:
			what = "rename a member"
			editMember(t, writer(), members[rng.IntN(len(members))], func(m *model.Member) {
				m.Name = fmt.Sprintf("Member renamed %d", step)
			})
		case r < 79:
			what = "add a member"
			id := fmt.Sprintf("mem_%d", len(members))
			members = append(members, id)
			mustUpdate(t, writer(), func(ctx context.Context, tx store.Tx) error {
				return tx.InsertMember(ctx, cacheMember(id, "Late "+id))
			})
		case r < 82:
			what = "change a member's account type"
			editMember(t, writer(), members[rng.IntN(len(members))], func(m *model.Member) {
				m.AccountType = []model.AccountType{model.Builder, model.SecurityAdmin}[rng.IntN(2)]
			})
		case r < 85:
			// No store call moves a key in the list, but the cache must not
			// rely on that.
			what = "rewrite a key's creation time outside the store"
			if err := sqlite.Exec(t.Context(), writer(), `UPDATE api_keys SET created_at = ? WHERE id = ?`,
				cacheT0.Add(time.Duration(rng.IntN(20))*time.Minute).UnixMicro(), someKey()); err != nil {
				t.Fatal(err)
			}
		case r < 87:
			what = "remove a key row outside the store"
			at := rng.IntN(len(ids))
			if err := sqlite.Exec(t.Context(), writer(), `DELETE FROM api_keys WHERE id = ?`, ids[at]); err != nil {
				t.Fatal(err)
			}
			ids = append(ids[:at], ids[at+1:]...)
		default:
			what = "nothing"
		}
		if rng.IntN(4) == 0 {
			continue // let changes pile up into one refresh
		}
		checkKeys(t, fmt.Sprintf("step %d (%s)", step, what), cached)
	}

	full, delta := sqlite.CacheLoads(cached)
	if delta < steps/4 || full < 2 {
		t.Fatalf("the cache read %d times in full and %d times incrementally: the test did not exercise both", full, delta)
	}
	if seed != 0 {
		return // the rest takes as long as the steps
	}
	// More changed rows than it merges: the cache reads everything again.
	insert(other, 1001)
	checkKeys(t, "after a large batch", cached)
	if f, d := sqlite.CacheLoads(cached); f != full+1 || d != delta {
		t.Fatalf("after a large batch: %d full and %d incremental reads, want %d and %d", f, d, full+1, delta)
	}
	editKey(t, other, someKey(), func(k *model.Key) { k.Name = "After the batch" })
	checkKeys(t, "an edit after the batch", cached)
	if _, d := sqlite.CacheLoads(cached); d != delta+1 {
		t.Fatalf("an edit after the batch was not read incrementally")
	}
}

// Open upgrades a database an older apikeys made (schema 1, no change
// sequence): its keys are listed, and changes to them reach a cached list.
func TestOpenUpgradesSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	if err := sqlite.CreateAtVersion(t.Context(), path, 1); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO members (id, name, email, account_type, status, created_at, updated_at, version)
		 VALUES ('mem_ana', 'Ana', 'ana@example.com', 'primary-owner', 'active', 1, 1, 1)`,
		`INSERT INTO api_keys (id, name, type, hint, hash, created_at, created_by, expires_at, updated_at, updated_by, version)
		 VALUES ('key_old1', 'Old one', 'import', 'h', x'01', 1000, 'mem_ana', 9000, 1000, 'mem_ana', 1),
		        ('key_old2', 'Old two', 'export', 'h', x'02', 2000, 'mem_ana', 9000, 2000, 'mem_ana', 1)`,
	} {
		if _, err := raw.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	server, cli := open(t, path), open(t, path)
	keys := checkKeys(t, "after the upgrade", server)
	if len(keys) != 2 || keys[0].ID != "key_old2" || keys[1].CreatedByName != "Ana" {
		t.Fatalf("after the upgrade, Keys = %+v", keys)
	}
	editKey(t, cli, "key_old1", func(k *model.Key) { k.Name = "Old one, edited" })
	if err := cli.TouchKey(t.Context(), "key_old2", cacheT0, "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	keys = checkKeys(t, "after editing upgraded keys", server)
	if keys[1].Name != "Old one, edited" || keys[0].LastUsedAt == nil {
		t.Fatalf("changes to upgraded keys missing from the list: %+v", keys)
	}
	if _, delta := sqlite.CacheLoads(server); delta != 1 {
		t.Fatalf("changes to upgraded keys were not read incrementally")
	}
}

// The changed keys must be found through their index: walking every key to
// find the few changed ones is the cost the cache exists to avoid.
func TestChangedKeysQueryUsesItsIndex(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	plan, err := sqlite.ChangedKeysPlan(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, index := range []string{"api_keys_change_seq", "api_keys_use_seq"} {
		if !strings.Contains(plan, index) {
			t.Fatalf("the query of changed keys does not use %s:\n%s", index, plan)
		}
	}
}
