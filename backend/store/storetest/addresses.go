package storetest

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// testKeyAddresses: TouchKeys records every use's address per day, in the same
// write as the last use, even where the last use stays as it was; a use without
// an address or of a key that is gone records nothing; days past the window
// are pruned, and KeyAddresses reads from a day on, newest first.
func testKeyAddresses(t *testing.T, open func(t *testing.T) store.Store) {
	f := setup(t, open)
	f.insertKeys(newKey("key_1", at(0), "mem_x"), newKey("key_2", at(0), "mem_x"))
	day := 24 * time.Hour
	touch := func(uses ...store.KeyUse) {
		t.Helper()
		if err := f.s.TouchKeys(f.ctx, uses); err != nil {
			t.Fatalf("TouchKeys: %v", err)
		}
	}
	touch(store.KeyUse{ID: "key_1", At: at(time.Hour), Addr: "192.0.2.1"})
	touch(
		// Within the minute of the last use: the last use stays, the address counts.
		store.KeyUse{ID: "key_1", At: at(time.Hour + 10*time.Second), Addr: "192.0.2.2"},
		store.KeyUse{ID: "key_1", At: at(time.Hour + 20*time.Second), Addr: "192.0.2.1"},
		store.KeyUse{ID: "key_1", At: at(time.Hour + 30*time.Second), Addr: "192.0.2.1"}, // twice in one batch
		store.KeyUse{ID: "key_2", At: at(2 * time.Hour), Addr: "2001:db8::1"},
		store.KeyUse{ID: "key_2", At: at(2 * time.Hour), Addr: ""},
		store.KeyUse{ID: "key_nope", At: at(time.Hour), Addr: "192.0.2.3"},
	)
	touch(store.KeyUse{ID: "key_1", At: at(day + time.Hour), Addr: "192.0.2.2"}) // the next day: a row of its own
	if k := f.key("key_1"); k.LastUsedAddr != "192.0.2.2" || !k.LastUsedAt.Equal(at(day+time.Hour)) {
		t.Errorf("key_1 last used %v from %q; want %s from 192.0.2.2", k.LastUsedAt, k.LastUsedAddr, fmtTime(at(day+time.Hour)))
	}
	read := func(keyID string, since time.Time) []model.KeyAddress {
		t.Helper()
		got, err := f.s.KeyAddresses(f.ctx, keyID, since)
		if err != nil {
			t.Fatalf("KeyAddresses(%q): %v", keyID, err)
		}
		return got
	}
	a := func(key, addr string, uses int64, first, last time.Time) model.KeyAddress {
		return model.KeyAddress{KeyID: key, Addr: addr, Uses: uses, FirstSeen: first, LastSeen: last}
	}
	k1 := []model.KeyAddress{
		a("key_1", "192.0.2.2", 2, at(time.Hour+10*time.Second), at(day+time.Hour)),
		a("key_1", "192.0.2.1", 3, at(time.Hour), at(time.Hour+30*time.Second)),
	}
	k2 := []model.KeyAddress{a("key_2", "2001:db8::1", 1, at(2*time.Hour), at(2*time.Hour))}
	equalAddrs(t, "key_1", read("key_1", at(0)), k1)
	equalAddrs(t, "every key", read("", at(0)), append(append([]model.KeyAddress{}, k1...), k2...))
	equalAddrs(t, "key_1 from the next day", read("key_1", at(day)),
		[]model.KeyAddress{a("key_1", "192.0.2.2", 1, at(day+time.Hour), at(day+time.Hour))})
	equalAddrs(t, "key_nope", read("key_nope", at(0)), nil)

	// 31 days on, a use prunes the days past the window.
	later := at(31*day + 2*time.Hour)
	touch(store.KeyUse{ID: "key_2", At: later, Addr: "198.51.100.7"})
	equalAddrs(t, "every key, 31 days on, read from the start", read("", at(0)), []model.KeyAddress{
		a("key_1", "192.0.2.2", 1, at(day+time.Hour), at(day+time.Hour)),
		a("key_2", "198.51.100.7", 1, later, later),
	})
}

func equalAddrs(t *testing.T, what string, got, want []model.KeyAddress) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.KeyID == w.KeyID && g.Addr == w.Addr && g.Uses == w.Uses && g.FirstSeen.Equal(w.FirstSeen) && g.LastSeen.Equal(w.LastSeen)
	}
	if !ok {
		t.Errorf("addresses of %s:\n got %+v\nwant %+v", what, got, want)
	}
}
