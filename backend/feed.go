package backend

import (
	"context"
	"sync"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// Notice is one change committed by anyone on this backend's store: this
// process, another process on the same SQLite file, another instance on the
// same PostgreSQL database. See store.Notice for the kinds.
type Notice = store.Notice

// subscriberQueue is how many notices wait for a slow subscriber; past it they
// are dropped for a single store.NoticeResync, so no writer ever waits for a
// reader.
const subscriberQueue = 1024

// feed fans the store's notices out to the key index and to subscribers.
type feed struct {
	start sync.Once
	mu    sync.Mutex
	subs  map[*subscriber]struct{}
}

// Subscribe delivers every change from now on until ctx ends, when the channel
// is closed. A change made through this process is on the channel (or queued
// for it) when the call that made it returns; one made elsewhere follows
// within the store's bound (SQLite: tens of milliseconds; PostgreSQL: one
// round trip). A subscriber that falls more than 1024 notices behind finds one
// store.NoticeResync in their place: reload everything. While the feed is cut
// (PostgreSQL unreachable) a store.NoticeCut says so; a NoticeResync ends it.
func (b *Backend) Subscribe(ctx context.Context) <-chan Notice {
	s := &subscriber{wake: make(chan struct{}, 1), out: make(chan Notice)}
	b.feed.mu.Lock()
	if b.feed.subs == nil {
		b.feed.subs = map[*subscriber]struct{}{}
	}
	b.feed.subs[s] = struct{}{}
	b.feed.mu.Unlock()
	b.startFeed()
	go func() {
		s.run(ctx)
		b.feed.mu.Lock()
		delete(b.feed.subs, s)
		b.feed.mu.Unlock()
	}()
	return s.out
}

// startFeed registers the backend with its store's feed, once; until then the
// store watches nothing (a one-off CLI command never starts a watcher).
func (b *Backend) startFeed() {
	b.feed.start.Do(func() {
		b.store.Watch(context.Background(), b.onNotices)
	})
}

// onNotices runs in the goroutine of whoever committed (a change through this
// process: the key index is current before Update returns) or of the store's
// watcher.
func (b *Backend) onNotices(ns []Notice) {
	b.index.apply(b, ns)
	b.allow.apply(b, ns)
	b.feed.mu.Lock()
	defer b.feed.mu.Unlock()
	for s := range b.feed.subs {
		s.push(ns)
	}
}

type subscriber struct {
	mu    sync.Mutex
	queue []Notice
	wake  chan struct{}
	out   chan Notice
}

func (s *subscriber) push(ns []Notice) {
	s.mu.Lock()
	if len(s.queue)+len(ns) > subscriberQueue {
		s.queue = append(s.queue[:0], Notice{Kind: store.NoticeResync})
	} else {
		s.queue = append(s.queue, ns...)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run(ctx context.Context) {
	defer close(s.out)
	var batch []Notice
	for {
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.mu.Unlock()
		for _, n := range batch {
			select {
			case s.out <- n:
			case <-ctx.Done():
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// Subscribe is the backend's change feed (Backend.Subscribe), for a client
// that holds only a session: a screen follows changes and reads the rows again
// through the session, which applies the member's rights.
func (s *Session) Subscribe(ctx context.Context) <-chan Notice { return s.b.Subscribe(ctx) }
