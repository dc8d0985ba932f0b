package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/model"
)

func loadedKeys(n int, prefix string) func(yield func(model.Key) bool) {
	return func(yield func(model.Key) bool) {
		for i := range n {
			if !yield(testKey(fmt.Sprintf("%s_%05d", prefix, i))) {
				return
			}
		}
	}
}

// LoadKeys copies the keys in, and every instance's subscribers hear one
// resync for the lot; the keys read back as the store's own.
func TestLoadKeys(t *testing.T) {
	u := freshDatabase(t)
	s, other := open(t, u), open(t, u)
	heard := make(chan store.Notice, 16)
	other.Watch(t.Context(), func(ns []store.Notice) {
		for _, n := range ns {
			heard <- n
		}
	})
	n, err := postgres.LoadKeys(t.Context(), s, loadedKeys(1200, "key_load"))
	if err != nil || n != 1200 {
		t.Fatalf("LoadKeys = %d, %v", n, err)
	}
	select {
	case got := <-heard:
		if got.Kind != store.NoticeResync {
			t.Errorf("the other instance heard %v, want a resync", got.Kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other instance heard nothing of the load")
	}
	keys, err := other.Keys(t.Context(), store.KeyQuery{})
	if err != nil || len(keys) != 1200 {
		t.Fatalf("Keys = %d, %v", len(keys), err)
	}
	want := testKey("key_load_00042")
	if k, err := other.KeyByHash(t.Context(), want.Hash); err != nil || k.ID != want.ID || k.Version != 1 || !k.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("KeyByHash = %+v, %v", k, err)
	}
}

// A load with a key already in the store loads none of them.
func TestFailedLoadChangesNothing(t *testing.T) {
	s := open(t, freshDatabase(t))
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertKey(t.Context(), testKey("key_load_00500")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.LoadKeys(t.Context(), s, loadedKeys(900, "key_load")); err == nil || !strings.Contains(err.Error(), "nothing was loaded") {
		t.Fatalf("LoadKeys: %v, want a refusal", err)
	}
	if keys, err := s.Keys(t.Context(), store.KeyQuery{}); err != nil || len(keys) != 1 {
		t.Errorf("Keys = %d, %v, want the one from before", len(keys), err)
	}
}
