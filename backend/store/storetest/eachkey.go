package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// testEachKey: the walk passes exactly what Keys lists, in its order, across
// page boundaries (ties on created_at broken by id there too), and stops at
// fn's first error.
func testEachKey(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	const n = 2*store.KeyPage + 137
	if err := f.s.Update(f.ctx, func(tx store.Tx) error {
		if err := tx.InsertMember(f.ctx, newMember("mem_1", "Ada", "ada@example.com", t0)); err != nil {
			return err
		}
		for i := range n {
			// Three keys to a microsecond: pages end inside runs of equal
			// created_at, where only the id orders them.
			k := newKey(fmt.Sprintf("key_%05d", i), at(time.Duration(i/3)*time.Microsecond), "mem_1")
			if i%7 == 0 {
				k.DeletedAt = ptr(at(time.Hour))
			}
			if err := tx.InsertKey(f.ctx, k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.KeyQuery{{}, {IncludeDeleted: true}} {
		want, err := f.s.Keys(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []model.Key
		if err := f.s.EachKey(f.ctx, q, func(k *model.Key) error { got = append(got, *k); return nil }); err != nil {
			t.Fatalf("EachKey(%+v): %v", q, err)
		}
		assertEqual(t, fmt.Sprintf("EachKey(%+v)", q), want, got)

		// KeysAfter, in pages of odd sizes (a first screen, then chunks),
		// reads the same list; CountKeys counts it.
		got = nil
		var after *store.KeyCursor
		for _, limit := range []int{33, 500, 1000, 1000, 1000, 1000} {
			page, err := f.s.KeysAfter(f.ctx, q, after, limit)
			if err != nil {
				t.Fatalf("KeysAfter(%+v, %v, %d): %v", q, after, limit, err)
			}
			if len(page) > limit {
				t.Fatalf("KeysAfter(%d) gave %d keys", limit, len(page))
			}
			got = append(got, page...)
			if len(page) < limit {
				break
			}
			after = store.CursorOf(page[len(page)-1])
		}
		assertEqual(t, fmt.Sprintf("KeysAfter(%+v)", q), want, got)
		if n, err := f.s.CountKeys(f.ctx, q); err != nil || n != len(want) {
			t.Fatalf("CountKeys(%+v) = %d, %v; want %d", q, n, err, len(want))
		}
	}

	// KeysExpiringIn: the keys not deleted whose expiry is strictly inside
	// the window, whatever their order.
	live, err := f.s.Keys(f.ctx, store.KeyQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Update(f.ctx, func(tx store.Tx) error {
		for i, k := range live[:10] {
			k.ExpiresAt = at(time.Duration(100+i) * time.Hour)
			if _, err := tx.UpdateKey(f.ctx, k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.KeysExpiringIn(f.ctx, at(102*time.Hour), at(106*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, k := range got {
		ids[k.ID] = true
	}
	for i, k := range live[:10] {
		if in := i > 2 && i < 6; ids[k.ID] != in {
			t.Errorf("KeysExpiringIn: key %d (expires at +%dh) listed %v, want %v", i, 100+i, ids[k.ID], in)
		}
	}
	if len(got) != 3 {
		t.Errorf("KeysExpiringIn listed %d keys, want 3", len(got))
	}

	stop := errors.New("enough")
	calls := 0
	err = f.s.EachKey(f.ctx, store.KeyQuery{}, func(*model.Key) error {
		calls++
		if calls == store.KeyPage+1 {
			return stop
		}
		return nil
	})
	if err != stop || calls != store.KeyPage+1 {
		t.Fatalf("EachKey with fn failing at key %d: %v after %d calls; want that error at once", store.KeyPage+1, err, calls)
	}

	empty := setup(t, open)
	if err := empty.s.EachKey(empty.ctx, store.KeyQuery{}, func(*model.Key) error { t.Fatal("a key in an empty store"); return nil }); err != nil {
		t.Fatalf("EachKey on an empty store: %v", err)
	}
}
