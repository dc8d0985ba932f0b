package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// checksStore hands out n generated keys through one reused KeyCheck, as the
// stores do; key i has a name of names(i) bytes.
type checksStore struct {
	store.Store
	n     int
	names func(i int) int
	fail  error // returned after every key was passed
}

func (s checksStore) KeyChecks(_ context.Context, fn func(*store.KeyCheck) error) error {
	var kc store.KeyCheck
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range s.n {
		kc.ID = fmt.Appendf(kc.ID[:0], "key_%07d", i)
		kc.Name = append(fmt.Appendf(kc.Name[:0], "name %d ", i), strings.Repeat("n", s.names(i))...)
		kc.Type = append(kc.Type[:0], model.KeyImport...)
		kc.Hash = kc.Hash[:0]
		for j := range 32 {
			kc.Hash = append(kc.Hash, byte(i>>(8*(j%4))))
		}
		kc.Hash[31] = 0xAB
		kc.ExpiresAt, kc.Version = at.Add(time.Duration(i)*time.Second), int64(i)
		kc.DeletedAt, kc.LastUsedAt = nil, nil
		if i%3 == 0 {
			d := at.Add(-time.Duration(i) * time.Microsecond)
			kc.DeletedAt = &d
		}
		if i%5 == 0 {
			u := at.Add(time.Duration(i) * time.Microsecond)
			kc.LastUsedAt = &u
		}
		kc.ReplacedBy = kc.ReplacedBy[:0]
		if i%7 == 0 {
			kc.ReplacedBy = fmt.Appendf(kc.ReplacedBy, "key_%07d", i+1)
		}
		if err := fn(&kc); err != nil {
			return err
		}
	}
	return s.fail
}

// The load reads and inserts side by side, in batches: every key arrives whole
// across batch boundaries, with a name bigger than a batch's text buffer, and
// an error from the store still comes back.
func TestLoadTableAcrossBatches(t *testing.T) {
	const n = 3*checkBatchLen + 17
	big := checkBatchText + 10
	st := checksStore{n: n, names: func(i int) int {
		if i == checkBatchLen+5 || i == 0 {
			return big
		}
		return i % 40
	}}
	tb := newKeyTable(0)
	if err := loadTable(context.Background(), st, tb); err != nil {
		t.Fatal(err)
	}
	if tb.len() != n {
		t.Fatalf("%d keys in the table, want %d", tb.len(), n)
	}
	var want []store.KeyCheck
	_ = st.KeyChecks(context.Background(), func(kc *store.KeyCheck) error {
		c := checkOf(model.Key{ID: string(kc.ID), Name: string(kc.Name), Type: model.KeyType(kc.Type), Hash: append([]byte(nil), kc.Hash...),
			ExpiresAt: kc.ExpiresAt, DeletedAt: kc.DeletedAt, ReplacedBy: string(kc.ReplacedBy), LastUsedAt: kc.LastUsedAt, Version: kc.Version})
		if c.DeletedAt != nil {
			d := *c.DeletedAt
			c.DeletedAt = &d
		}
		if c.LastUsedAt != nil {
			u := *c.LastUsedAt
			c.LastUsedAt = &u
		}
		want = append(want, c)
		return nil
	})
	for _, w := range want {
		i, ok := tb.find(string(w.ID))
		if !ok {
			t.Fatalf("%s is not in the table", w.ID)
		}
		got := tb.key(i)
		if got.Name != string(w.Name) || string(got.Hash) != string(w.Hash) || !got.ExpiresAt.Equal(w.ExpiresAt) ||
			got.ReplacedBy != string(w.ReplacedBy) || got.Version != w.Version || got.Type != model.KeyImport ||
			(got.DeletedAt == nil) != (w.DeletedAt == nil) || (got.DeletedAt != nil && !got.DeletedAt.Equal(*w.DeletedAt)) ||
			(got.LastUsedAt == nil) != (w.LastUsedAt == nil) || (got.LastUsedAt != nil && !got.LastUsedAt.Equal(*w.LastUsedAt)) {
			t.Fatalf("%s: got %+v, want %+v", w.ID, got, w)
		}
		if j, ok := tb.findHash((*[32]byte)(w.Hash)); !ok || j != i {
			t.Fatalf("%s: not found by its hash", w.ID)
		}
	}

	boom := errors.New("boom")
	st.fail = boom
	if err := loadTable(context.Background(), st, newKeyTable(0)); !errors.Is(err, boom) {
		t.Fatalf("load with a failing store: %v, want %v", err, boom)
	}
}
