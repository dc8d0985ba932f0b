package backend_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Read a page at a time, the list is what ListKeys lists: deleted keys and
// keys replaced past their grace left out, the count asked for once, and
// Next nil on the last page.
func TestListKeysPageReadsWhatListKeysLists(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	for i := range 7 {
		e.createKey(fmt.Sprintf("Key %d", i), model.KeyImport)
		e.clock.Add(time.Second)
	}
	gone, _ := e.createKey("Deleted", model.KeyExport)
	if _, err := owner.DeleteKey(e.ctx, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	want, err := owner.ListKeys(e.ctx, backend.KeyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []model.Key
	q := backend.KeyPageQuery{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pages never end")
		}
		p, err := owner.ListKeysPage(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if (p.Total != 0) != q.Count {
			t.Errorf("page %d: Total %d with Count %v", pages, p.Total, q.Count)
		}
		if q.Count && p.Total != 7 {
			t.Errorf("Total = %d, want the 7 keys not deleted", p.Total)
		}
		got = append(got, p.Keys...)
		if p.Next == nil {
			break
		}
		q = backend.KeyPageQuery{After: p.Next, Limit: 3, Count: pages == 0}
	}
	ids := func(ks []model.Key) (out []string) {
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	if !slices.Equal(ids(got), ids(want)) {
		t.Errorf("pages listed %v, ListKeys %v", ids(got), ids(want))
	}
	if _, err := e.as(model.RegularMember).ListKeysPage(e.ctx, backend.KeyPageQuery{Limit: 3}); err == nil {
		t.Error("a Member may not read the key list")
	}
}
