package sqlite

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// watchInterval is how often the watcher asks whether another process committed.
// A change made elsewhere reaches subscribers within about this time plus the
// read of what changed; one made through this store reaches them at commit.
// PRAGMA data_version on an idle database costs a few microseconds.
const watchInterval = 25 * time.Millisecond

// Watch registers fn for the store's changes. The first registration starts the
// watcher, one goroutine per store however many subscribe: the backend fans its
// notices out in-process.
func (s *Store) Watch(ctx context.Context, fn func([]store.Notice)) {
	if s.watchers.Add(ctx, fn) {
		// Primed before Watch returns, so that a change committed by another
		// process after Watch is announced; primed later, the watcher would take
		// that change as where it started and never tell it.
		var w watchState
		if err := s.poll(s.stopCtx, &w); err != nil {
			w.cut = true // the loop retries; once primed it announces a resync
			s.watchers.Publish([]store.Notice{{Kind: store.NoticeCut}})
		}
		if !s.watchDone.Go(func() { s.watch(w) }) && w.conn != nil {
			w.conn.Close() // closed meanwhile
		}
	}
}

// Sync is at once: the watcher reads what changed from the rows' change_seq,
// which nothing can skip, so a change committed before Sync is announced by
// a poll to come, or a failed poll's NoticeCut comes first.
func (s *Store) Sync(context.Context) error { return nil }

// watchState is what the watcher saw last.
type watchState struct {
	conn                        *rawConn // only ever runs PRAGMA data_version, prepared once
	primed                      bool     // the counters below are read
	cut                         bool     // the last poll failed: NoticeCut was sent
	version                     int64
	keys, members, events, gaps int64
	allowLists                  int64
}

func (s *Store) watch(w watchState) {
	defer func() {
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		if err := s.poll(s.stopCtx, &w); err != nil {
			if s.stopCtx.Err() != nil {
				return
			}
			if w.conn != nil {
				w.conn.Close()
				w.conn = nil
			}
			w.primed = false
			if !w.cut {
				w.cut = true
				s.watchers.Publish([]store.Notice{{Kind: store.NoticeCut}})
			}
		}
		select {
		case <-s.stopCtx.Done():
			return
		case <-t.C:
		}
	}
}

// poll publishes what was committed since the last poll. The counters and the
// changed rows come from one read transaction, so they agree.
func (s *Store) poll(ctx context.Context, w *watchState) error {
	if w.conn == nil {
		// A connection of its own (data_version speaks of commits by other
		// connections than the one asking), through SQLite's own API: through
		// the driver each poll prepared the pragma again, and the polls were
		// 1.8% of serve's CPU while checks came (each journal append changes
		// the version, so each is followed by the snapshot below).
		c, err := openRaw(s.reader.raw.dsn)
		if err != nil {
			return err
		}
		w.conn = c
	}
	var v int64
	if err := w.conn.each(ctx, `PRAGMA data_version`, nil, func(r rawRow) error {
		v = r.int64(0)
		return nil
	}); err != nil {
		return err
	}
	if w.primed && v == w.version {
		return nil
	}
	var notices []store.Notice
	var keys, members, events, gaps, allowLists int64
	err := s.reader.snapshot(ctx, func(q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT keys, members, events, gaps, allowlists FROM change_seq`).
			Scan(&keys, &members, &events, &gaps, &allowLists); err != nil {
			return err
		}
		if !w.primed {
			return nil
		}
		if gaps != w.gaps || keys < w.keys || members < w.members {
			// A row physically deleted, or another file put in place.
			notices = []store.Notice{{Kind: store.NoticeResync}}
			return nil
		}
		var err error
		if keys > w.keys {
			if notices, err = changedRows(ctx, q, notices, store.NoticeKey,
				`SELECT id, version FROM api_keys WHERE change_seq > ? AND change_seq <= ?`, w.keys, keys); err != nil {
				return err
			}
		}
		if members > w.members {
			if notices, err = changedRows(ctx, q, notices, store.NoticeMember,
				`SELECT id, version FROM members WHERE change_seq > ? AND change_seq <= ?`, w.members, members); err != nil {
				return err
			}
		}
		if events != w.events {
			notices = append(notices, store.Notice{Kind: store.NoticeEvent})
		}
		if allowLists != w.allowLists {
			// Lists are few and read whole: one notice says "read them again".
			notices = append(notices, store.Notice{Kind: store.NoticeAllowList})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !w.primed && w.cut {
		// Whatever happened while the watcher was blind is unknown.
		notices = []store.Notice{{Kind: store.NoticeResync}}
	}
	w.version, w.keys, w.members, w.events, w.gaps, w.allowLists = v, keys, members, events, gaps, allowLists
	w.primed, w.cut = true, false
	s.watchers.Publish(notices)
	return nil
}

func changedRows(ctx context.Context, q querier, out []store.Notice, kind store.NoticeKind, query string, args ...any) ([]store.Notice, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		n := store.Notice{Kind: kind}
		if err := rows.Scan(&n.ID, &n.Version); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
