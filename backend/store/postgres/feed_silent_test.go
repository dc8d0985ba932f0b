package postgres_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// freezer is a TCP proxy to the database that can go silent: connections stay
// open, nothing gets through either way, as in a network partition where no
// one sends a reset.
type freezer struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen bool
	thaw   chan struct{} // closed when the proxy carries bytes again
	conns  []net.Conn
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target, thaw: make(chan struct{})}
	close(f.thaw)
	go f.accept()
	t.Cleanup(f.close)
	return f
}

func (f *freezer) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, c, up)
		f.mu.Unlock()
		go f.pipe(up, c)
		go f.pipe(c, up)
	}
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
func (f *freezer) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			f.mu.Lock()
			thaw := f.thaw
			f.mu.Unlock()
			<-thaw
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *freezer) setFrozen(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on == f.frozen {
		return
	}
	f.frozen = on
	if on {
		f.thaw = make(chan struct{})
	} else {
		close(f.thaw)
	}
}

func (f *freezer) close() {
	f.setFrozen(false)
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

// A LISTEN connection that goes silent (no reset, no error: the packets just
// stop) must not be trusted forever: the heartbeat pings it, the ping gets no
// answer, and watchers hear of the cut within heartbeat plus its timeout (1 s),
// then of the resync once the database answers again. Without the heartbeat the
// wait for a notification on the frozen connection never ends, and a key index
// would go on answering from a copy no change reaches. (A killed connection is
// TestFeed's CutThenResync.)
func TestFeedSilentConnectionIsCut(t *testing.T) {
	u, err := url.Parse(freshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFreezer(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	st := open(t, u.String())

	notices := make(chan store.Notice, 64)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st.Watch(ctx, func(ns []store.Notice) {
		for _, n := range ns {
			if n.Kind == store.NoticeCut || n.Kind == store.NoticeResync {
				notices <- n
			}
		}
	})

	proxy.setFrozen(true)
	frozen := time.Now()
	// A Sync meanwhile hears no token and its send gets no answer: it ends
	// with the cut, not with the network's timeouts.
	synced := make(chan error, 1)
	go func() { synced <- st.Sync(ctx) }()
	await := func(want store.NoticeKind) time.Duration {
		t.Helper()
		select {
		case n := <-notices:
			if n.Kind != want {
				t.Fatalf("got notice %v, want %v", n.Kind, want)
			}
			return time.Since(frozen)
		case <-time.After(30 * time.Second):
			t.Fatalf("no %v notice 30 s after the connection went silent", want)
			return 0
		}
	}
	cutAfter := await(store.NoticeCut)
	t.Logf("silent LISTEN connection announced as cut after %v (documented bound: 1 s plus scheduling)", cutAfter.Round(time.Millisecond))
	select {
	case err := <-synced:
		if !errors.Is(err, store.ErrFeedCut) {
			t.Fatalf("Sync on the silent feed: %v, want ErrFeedCut", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Sync on the silent feed still waits 30 s after the cut")
	}
	proxy.setFrozen(false)
	await(store.NoticeResync)
}
