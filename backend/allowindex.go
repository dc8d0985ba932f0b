package backend

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// allowIndex holds every key's effective allow-list ranges, worked out by
// model.AllowedRanges from the stored lists, links and default. A check asks it
// with one map look-up by key id and a prefix match; with no list at all in the
// workspace it is one atomic load.
//
// It is read whole (lists are few; links are one row per restricted key) when
// the first check needs it and again on every allow-list notice of the change
// feed, so a change through this process is in place when the call that made
// it returns and one made elsewhere when its notice arrives. While the feed is
// cut, and until the first load, checks read the key's lists from the store.
type allowIndex struct {
	snap    atomic.Pointer[allowSnapshot] // nil: not loaded
	ready   atomic.Bool                   // loaded and not cut since
	started atomic.Bool
	mu      sync.Mutex // one load at a time
	cut     atomic.Bool
}

// allowSnapshot is one read of the allow-list tables.
type allowSnapshot struct {
	restricted bool                     // some list applies to some key
	byKey      map[string]*model.Ranges // keys with lists of their own
	def        *model.Ranges            // the default list's, or anywhere
	listsOf    map[string][]string      // key id → its lists' ids, sorted
	lists      map[string]model.AllowList
}

var anywhere = &model.Ranges{}

// buildAllowSnapshot applies SPEC §10's rule to what the store holds. Keys
// linked to the same lists share one Ranges.
func buildAllowSnapshot(lists []model.AllowList, links []store.AllowListLink) *allowSnapshot {
	s := &allowSnapshot{byKey: map[string]*model.Ranges{}, def: anywhere,
		listsOf: map[string][]string{}, lists: make(map[string]model.AllowList, len(lists))}
	for _, l := range lists {
		s.lists[l.ID] = l
		if l.Default {
			r := model.AllowedRanges(nil, &l)
			s.def, s.restricted = &r, true
		}
	}
	for _, ln := range links {
		if _, ok := s.lists[ln.ListID]; ok {
			s.listsOf[ln.KeyID] = append(s.listsOf[ln.KeyID], ln.ListID)
		}
	}
	shared := map[string]*model.Ranges{}
	for key, ids := range s.listsOf {
		slices.Sort(ids)
		sig := strings.Join(ids, " ")
		r, ok := shared[sig]
		if !ok {
			own := make([]model.AllowList, len(ids))
			for i, id := range ids {
				own[i] = s.lists[id]
			}
			v := model.AllowedRanges(own, nil)
			r = &v
			shared[sig] = r
		}
		s.byKey[key] = r
		s.restricted = true
	}
	return s
}

// ranges is what applies to a key under s.
func (s *allowSnapshot) ranges(keyID string) *model.Ranges {
	if r, ok := s.byKey[keyID]; ok {
		return r
	}
	return s.def
}

// load reads the tables and puts the snapshot in place.
func (x *allowIndex) load(ctx context.Context, r store.AllowListReader) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	cut := x.cut.Load()
	lists, err := r.AllowLists(ctx)
	if err != nil {
		return err
	}
	links, err := r.AllowListLinks(ctx)
	if err != nil {
		return err
	}
	x.snap.Store(buildAllowSnapshot(lists, links))
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
		if err := x.load(context.Background(), b.store); err != nil {
			b.log.Warn("read the IP allow lists; checks read them from the database until they load", "err", err)
		}
	}
}

// allowedFrom is the allow-list part of a key check: whether the key with this
// id may be used from addr. From the index when it is current, else from the
// store (and the index starts loading).
func (b *Backend) allowedFrom(ctx context.Context, keyID, addr string) (bool, error) {
	x := &b.allow
	if x.ready.Load() {
		s := x.snap.Load()
		if !s.restricted {
			return true, nil
		}
		return s.ranges(keyID).Allows(model.ClientAddr(addr)), nil
	}
	if !x.started.Swap(true) {
		b.startFeed()
		go func() {
			if err := x.load(context.Background(), b.store); err != nil {
				b.log.Warn("read the IP allow lists; checks read them from the database until they load", "err", err)
				x.started.Store(false)
			}
		}()
	}
	r, err := keyRanges(ctx, b.store, keyID)
	if err != nil {
		return false, err
	}
	return r.Allows(model.ClientAddr(addr)), nil
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
