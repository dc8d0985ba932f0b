package storetest

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func allowList(id, name string, entries ...string) model.AllowList {
	ps := make([]netip.Prefix, len(entries))
	for i, e := range entries {
		ps[i] = netip.MustParsePrefix(e)
	}
	return model.AllowList{ID: id, Name: name, Description: "egress of " + name, Entries: ps,
		CreatedAt: at(0), CreatedBy: "mem_1", UpdatedAt: at(0), Version: 1}
}

func testAllowLists(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTripAndOrder", func(t *testing.T) {
		f := setup(t, open)
		office := allowList("ipl_2", "office", "198.51.100.0/24", "2001:db8::/48")
		vpn := allowList("ipl_1", "VPN", "203.0.113.9/32")
		f.update(func(tx store.Tx) error {
			if err := tx.InsertAllowList(f.ctx, office); err != nil {
				return err
			}
			return tx.InsertAllowList(f.ctx, vpn)
		})
		got, err := f.s.AllowList(f.ctx, "ipl_2")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, office) {
			t.Errorf("read back\n got %+v\nwant %+v", got, office)
		}
		byName, err := f.s.AllowListByName(f.ctx, "vpn")
		if err != nil || byName.ID != "ipl_1" {
			t.Errorf("by name, another case: %+v, %v", byName, err)
		}
		all, err := f.s.AllowLists(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertOrder(t, "lists by name, case-insensitively", []string{"ipl_2", "ipl_1"}, ids(all, func(l model.AllowList) string { return l.ID }))
		wantKind(t, "missing list", func() error { _, err := f.s.AllowList(f.ctx, "ipl_none"); return err }(), model.KindNotFound)
		wantKind(t, "missing name", func() error { _, err := f.s.AllowListByName(f.ctx, "none"); return err }(), model.KindNotFound)
	})

	t.Run("NamesUniqueCaseInsensitively", func(t *testing.T) {
		f := setup(t, open)
		f.update(func(tx store.Tx) error { return tx.InsertAllowList(f.ctx, allowList("ipl_1", "Office", "10.0.0.0/8")) })
		err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.InsertAllowList(f.ctx, allowList("ipl_2", "OFFICE", "10.0.0.0/8")) })
		wantKind(t, "same name, other case", err, model.KindConflict)
		f.update(func(tx store.Tx) error { return tx.InsertAllowList(f.ctx, allowList("ipl_2", "VPN", "10.0.0.0/8")) })
		err = f.s.Update(f.ctx, func(tx store.Tx) error {
			l := allowList("ipl_2", "office", "10.0.0.0/8")
			_, err := tx.UpdateAllowList(f.ctx, l)
			return err
		})
		wantKind(t, "rename onto another list's name", err, model.KindConflict)
	})

	t.Run("UpdateVersions", func(t *testing.T) {
		f := setup(t, open)
		l := allowList("ipl_1", "office", "10.0.0.0/8")
		f.update(func(tx store.Tx) error { return tx.InsertAllowList(f.ctx, l) })
		l.Name, l.Entries, l.UpdatedAt = "Office HQ", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, at(time.Hour)
		var out model.AllowList
		f.update(func(tx store.Tx) error {
			var err error
			out, err = tx.UpdateAllowList(f.ctx, l)
			return err
		})
		if out.Version != 2 || out.Name != "Office HQ" || out.Entries[0].String() != "10.1.0.0/16" || !out.UpdatedAt.Equal(at(time.Hour)) {
			t.Errorf("after update: %+v", out)
		}
		err := f.s.Update(f.ctx, func(tx store.Tx) error { _, err := tx.UpdateAllowList(f.ctx, l); return err })
		wantKind(t, "update from a stale version", err, model.KindConflict)
		l.ID = "ipl_none"
		err = f.s.Update(f.ctx, func(tx store.Tx) error { _, err := tx.UpdateAllowList(f.ctx, l); return err })
		wantKind(t, "update a missing list", err, model.KindNotFound)
	})

	t.Run("DefaultIsOne", func(t *testing.T) {
		f := setup(t, open)
		f.update(func(tx store.Tx) error {
			for _, l := range []model.AllowList{allowList("ipl_1", "a", "10.0.0.0/8"), allowList("ipl_2", "b", "10.0.0.0/8")} {
				if err := tx.InsertAllowList(f.ctx, l); err != nil {
					return err
				}
			}
			return nil
		})
		defaults := func() []string {
			all, err := f.s.AllowLists(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range all {
				if l.Default {
					out = append(out, l.ID)
				}
			}
			return out
		}
		f.update(func(tx store.Tx) error { return tx.SetDefaultAllowList(f.ctx, "ipl_1") })
		assertOrder(t, "default", []string{"ipl_1"}, defaults())
		f.update(func(tx store.Tx) error { return tx.SetDefaultAllowList(f.ctx, "ipl_2") })
		assertOrder(t, "default moved", []string{"ipl_2"}, defaults())
		f.update(func(tx store.Tx) error { return tx.SetDefaultAllowList(f.ctx, "ipl_2") })
		assertOrder(t, "default set again", []string{"ipl_2"}, defaults())
		wantKind(t, "unknown default", f.s.Update(f.ctx, func(tx store.Tx) error { return tx.SetDefaultAllowList(f.ctx, "ipl_none") }), model.KindNotFound)
		assertOrder(t, "default after a refused change", []string{"ipl_2"}, defaults())
		f.update(func(tx store.Tx) error { return tx.SetDefaultAllowList(f.ctx, "") })
		assertOrder(t, "no default", nil, defaults())
	})

	t.Run("LinksAndDelete", func(t *testing.T) {
		f := setup(t, open)
		f.insertMembers(newMember("mem_1", "Ada", "ada@example.com", t0))
		f.insertKeys(newKey("key_1", t0, "mem_1"), newKey("key_2", t0, "mem_1"))
		f.update(func(tx store.Tx) error {
			for _, l := range []model.AllowList{allowList("ipl_1", "a", "10.0.0.0/8"), allowList("ipl_2", "b", "192.0.2.0/24")} {
				if err := tx.InsertAllowList(f.ctx, l); err != nil {
					return err
				}
			}
			return tx.SetDefaultAllowList(f.ctx, "ipl_2")
		})
		link := func(key, list string, want bool) {
			t.Helper()
			f.update(func(tx store.Tx) error {
				changed, err := tx.LinkAllowList(f.ctx, key, list)
				if err == nil && changed != want {
					t.Errorf("link %s to %s: changed = %v, want %v", key, list, changed, want)
				}
				return err
			})
		}
		link("key_1", "ipl_1", true)
		link("key_1", "ipl_1", false)
		link("key_1", "ipl_2", true)
		link("key_2", "ipl_2", true)
		links, err := f.s.AllowListLinks(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.AllowListLink{{KeyID: "key_1", ListID: "ipl_1"}, {KeyID: "key_1", ListID: "ipl_2"}, {KeyID: "key_2", ListID: "ipl_2"}}
		if !reflect.DeepEqual(links, want) {
			t.Errorf("links = %v, want %v", links, want)
		}
		if got, _ := f.s.KeyAllowListIDs(f.ctx, "key_1"); !reflect.DeepEqual(got, []string{"ipl_1", "ipl_2"}) {
			t.Errorf("key_1's lists = %v", got)
		}
		f.update(func(tx store.Tx) error {
			changed, err := tx.UnlinkAllowList(f.ctx, "key_1", "ipl_1")
			if err == nil && !changed {
				t.Error("unlink reported no change")
			}
			if again, err := tx.UnlinkAllowList(f.ctx, "key_1", "ipl_1"); err != nil || again {
				t.Errorf("unlink twice: %v, %v", again, err)
			}
			return err
		})
		f.update(func(tx store.Tx) error { return tx.DeleteAllowList(f.ctx, "ipl_2") })
		if links, _ := f.s.AllowListLinks(f.ctx); len(links) != 0 {
			t.Errorf("links of a deleted list remain: %v", links)
		}
		if all, _ := f.s.AllowLists(f.ctx); len(all) != 1 || all[0].Default {
			t.Errorf("after deleting the default: %+v", all)
		}
		wantKind(t, "delete a missing list", f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteAllowList(f.ctx, "ipl_2") }), model.KindNotFound)
	})

	t.Run("RollbackLeavesNothing", func(t *testing.T) {
		f := setup(t, open)
		err := f.s.Update(f.ctx, func(tx store.Tx) error {
			if err := tx.InsertAllowList(f.ctx, allowList("ipl_1", "a", "10.0.0.0/8")); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
		if all, _ := f.s.AllowLists(f.ctx); len(all) != 0 {
			t.Errorf("a rolled-back list is stored: %+v", all)
		}
	})
}

// testFeedAllowLists: every allow-list write reaches another handle's watcher.
func testFeedAllowLists(t *testing.T, h FeedHarness) {
	a, b := h.Open(t)
	ctx := t.Context()
	r := watch(t, a)
	step := func(what string, fn func(tx store.Tx) error) {
		t.Helper()
		r.mu.Lock()
		r.notices = nil
		r.mu.Unlock()
		if err := b.Update(ctx, fn); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		r.await(t, store.Notice{Kind: store.NoticeAllowList})
	}
	if err := b.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertMember(ctx, newMember("mem_1", "Ada", "ada@example.com", t0)); err != nil {
			return err
		}
		return tx.InsertKey(ctx, newKey("key_1", t0, "mem_1"))
	}); err != nil {
		t.Fatal(err)
	}
	l := allowList("ipl_1", "office", "10.0.0.0/8")
	step("insert", func(tx store.Tx) error { return tx.InsertAllowList(ctx, l) })
	step("update", func(tx store.Tx) error { _, err := tx.UpdateAllowList(ctx, l); return err })
	step("default", func(tx store.Tx) error { return tx.SetDefaultAllowList(ctx, "ipl_1") })
	step("link", func(tx store.Tx) error { _, err := tx.LinkAllowList(ctx, "key_1", "ipl_1"); return err })
	step("unlink", func(tx store.Tx) error { _, err := tx.UnlinkAllowList(ctx, "key_1", "ipl_1"); return err })
	step("delete", func(tx store.Tx) error { return tx.DeleteAllowList(ctx, "ipl_1") })
}
