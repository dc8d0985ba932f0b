package backend

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// allowIndex keeps every key's effective allow-list ranges, worked out by
// model.AllowedRanges from the stored lists, links and default, in the key
// index itself: each key's entry carries the number of its set of ranges, so a
// check is the key index's one map look-up plus a prefix match (a second map
// by key id cost a sixth of a check over 100,000 keys: cache misses).
//
// The tables are read whole (lists are few; links one row per restricted key)
// with the key index and again on every allow-list notice of the change feed,
// so a change through this process is in place when the call that made it
// returns and one made elsewhere when its notice arrives. While the feed is
// cut, and until the first load, checks read the key's lists from the store.
type allowIndex struct {
	ready   atomic.Bool // loaded and not cut since
	started atomic.Bool
	mu      sync.Mutex // one load at a time
	cut     atomic.Bool
}

// allowSnapshot is one read of the allow-list tables. Keys linked to the same
// lists share one Ranges.
type allowSnapshot struct {
	sets  []*model.Ranges   // distinct own-list unions
	setOf map[string]uint32 // key id → 1+index in sets
	def   *model.Ranges     // the default list's, or anywhere
}

var anywhere = &model.Ranges{}

func buildAllowSnapshot(lists []model.AllowList, links []store.AllowListLink) *allowSnapshot {
	s := &allowSnapshot{setOf: map[string]uint32{}, def: anywhere}
	byID := make(map[string]model.AllowList, len(lists))
	for _, l := range lists {
		byID[l.ID] = l
		if l.Default {
			r := model.AllowedRanges(nil, &l)
			s.def = &r
		}
	}
	listsOf := map[string][]string{}
	for _, ln := range links {
		if _, ok := byID[ln.ListID]; ok {
			listsOf[ln.KeyID] = append(listsOf[ln.KeyID], ln.ListID)
		}
	}
	shared := map[string]uint32{}
	for key, ids := range listsOf {
		slices.Sort(ids)
		sig := strings.Join(ids, " ")
		n, ok := shared[sig]
		if !ok {
			own := make([]model.AllowList, len(ids))
			for i, id := range ids {
				own[i] = byID[id]
			}
			r := model.AllowedRanges(own, nil)
			s.sets = append(s.sets, &r)
			n = uint32(len(s.sets))
			shared[sig] = n
		}
		s.setOf[key] = n
	}
	return s
}

// of is what applies to the key in sl; nil when s is (not loaded).
func (s *allowSnapshot) of(sl *slot) *model.Ranges {
	switch {
	case s == nil:
		return nil
	case sl.allow != 0:
		return s.sets[sl.allow-1]
	}
	return s.def
}

// mark writes s's set numbers into t's entries, clearing those old set; the
// caller holds the key index's lock.
func (s *allowSnapshot) mark(t *keyTable, old *allowSnapshot) {
	if s == nil || t == nil {
		return
	}
	if old != nil {
		for id := range old.setOf {
			if i, ok := t.find(id); ok {
				t.at(i).allow = 0
			}
		}
	}
	for id, n := range s.setOf {
		if i, ok := t.find(id); ok {
			t.at(i).allow = n
		}
	}
}

// setAllow puts a snapshot in place in the key index.
func (x *keyIndex) setAllow(s *allowSnapshot) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s.mark(x.table, x.allow)
	x.allow = s
}

// load reads the tables and puts the snapshot in place.
func (x *allowIndex) load(ctx context.Context, b *Backend) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	cut := x.cut.Load()
	lists, err := b.store.AllowLists(ctx)
	if err != nil {
		return err
	}
	links, err := b.store.AllowListLinks(ctx)
	if err != nil {
		return err
	}
	b.index.setAllow(buildAllowSnapshot(lists, links))
	// A cut that began during the read leaves the index untrusted.
	x.ready.Store(!cut && !x.cut.Load())
	return nil
}

// apply follows the change feed.
func (x *allowIndex) apply(b *Backend, ns []Notice) {
	reload := false
	for _, n := range ns {
		switch n.Kind {
		case store.NoticeAllowList:
			reload = true
		case store.NoticeCut:
			x.cut.Store(true)
			x.ready.Store(false)
		case store.NoticeResync:
			x.cut.Store(false)
			reload = true
		}
	}
	if reload && x.started.Load() {
		x.ready.Store(false)
		if err := x.load(context.Background(), b); err != nil {
			b.log.Warn("read the IP allow lists; checks read them from the database until they load", "err", err)
		}
	}
}

// allowedFrom is the allow-list part of a key check: whether the key with this
// id, whose ranges the key index gave (nil: it couldn't), may be used from
// addr (read by model.ClientAddr). From the index when it is current, else from the store (and the index
// starts loading).
func (b *Backend) allowedFrom(ctx context.Context, keyID string, r *model.Ranges, addr netip.Addr) (bool, error) {
	x := &b.allow
	if r != nil && x.ready.Load() {
		return r.Allows(addr), nil
	}
	if !x.started.Swap(true) {
		b.startFeed()
		go func() {
			if err := x.load(context.Background(), b); err != nil {
				b.log.Warn("read the IP allow lists; checks read them from the database until they load", "err", err)
				x.started.Store(false)
			}
		}()
	}
	own, err := keyRanges(ctx, b.store, keyID)
	if err != nil {
		return false, err
	}
	return own.Allows(addr), nil
}

// keyRanges reads what applies to one key from the store.
func keyRanges(ctx context.Context, r store.AllowListReader, keyID string) (model.Ranges, error) {
	ids, err := r.KeyAllowListIDs(ctx, keyID)
	if err != nil {
		return model.Ranges{}, err
	}
	lists, err := r.AllowLists(ctx)
	if err != nil {
		return model.Ranges{}, err
	}
	var own []model.AllowList
	var def *model.AllowList
	for i, l := range lists {
		if slices.Contains(ids, l.ID) {
			own = append(own, l)
		}
		if l.Default {
			def = &lists[i]
		}
	}
	return model.AllowedRanges(own, def), nil
}
