package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apikeys-dev/apikeys/backend/store"
)

// The feed across instances: every write transaction sends its notices with
// pg_notify before it commits (PostgreSQL delivers them at commit, and only if it
// commits), and each instance LISTENs on one dedicated connection.
//
// A notification sent while that connection is down is lost for good, so a cut
// is announced (store.NoticeCut) the moment it is found and a store.NoticeResync
// follows once LISTEN is in place again. A connection the server closes (restart,
// pg_terminate_backend) is found at once; one that goes silent (a network
// partition) by the heartbeat: after heartbeat without a notification the
// listener pings, and a ping that gets no answer within heartbeatTimeout ends
// the connection. So no one trusts a copy for longer than heartbeat plus
// heartbeatTimeout after the feed stopped carrying changes.
const (
	channel          = "apikeys_changes"
	syncChannel      = "apikeys_sync" // Sync's tokens (apart: an instance that predates them never hears them)
	heartbeat        = 500 * time.Millisecond
	heartbeatTimeout = 500 * time.Millisecond
	maxPayload       = 7000 // PostgreSQL refuses payloads from 8000 bytes
	listenerName     = "apikeys-listen"
	reconnectPause   = 200 * time.Millisecond
)

var kindCodes = map[store.NoticeKind]byte{
	store.NoticeKey: 'k', store.NoticeMember: 'm', store.NoticeEvent: 'e',
	store.NoticeAllowList: 'a', store.NoticeWebhook: 'w',
}

// encodeNotices packs notices into payloads of lines "k12 key_…" (kind, version,
// id), each payload under maxPayload.
func encodeNotices(ns []store.Notice) []string {
	var out []string
	var b strings.Builder
	for _, n := range ns {
		c, ok := kindCodes[n.Kind]
		if !ok {
			continue
		}
		line := string(c) + strconv.FormatInt(n.Version, 10) + " " + n.ID
		if b.Len() > 0 && b.Len()+1+len(line) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// decodeNotices reads a payload; anything it can't read becomes a resync, since
// some change was meant.
func decodeNotices(payload string) []store.Notice {
	var out []store.Notice
	for line := range strings.SplitSeq(payload, "\n") {
		var n store.Notice
		head, id, ok := strings.Cut(line, " ")
		if ok && len(head) >= 2 {
			for k, c := range kindCodes {
				if head[0] == c {
					n.Kind = k
				}
			}
			v, err := strconv.ParseInt(head[1:], 10, 64)
			n.ID, n.Version = id, v
			ok = err == nil && n.Kind != 0
		}
		if !ok {
			return []store.Notice{{Kind: store.NoticeResync}}
		}
		out = append(out, n)
	}
	return out
}

// notify sends a transaction's notices; they go out when it commits.
func notify(ctx context.Context, t pgx.Tx, ns []store.Notice) error {
	for _, p := range encodeNotices(ns) {
		if _, err := t.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, p); err != nil {
			return wrap("send change notices", err)
		}
	}
	return nil
}

// Watch registers fn for the store's changes. The first registration starts the
// listener and waits until it is listening (or has failed, in which case fn
// gets a NoticeCut, and a NoticeResync once it listens), so that nothing
// committed after Watch returns can be missed silently.
func (s *Store) Watch(ctx context.Context, fn func([]store.Notice)) {
	if s.watchers.Add(ctx, fn) && !s.watchDone.Go(s.listen) {
		return // closed meanwhile: nothing will listen
	}
	select {
	case <-s.listening:
	case <-ctx.Done():
	case <-s.stopCtx.Done():
	}
}

func (s *Store) listen() {
	first, cut := true, false
	signal := func() {
		if first {
			first = false
			close(s.listening)
		}
	}
	defer signal()
	for s.stopCtx.Err() == nil {
		// Why a connection failed makes no difference: the remedy is the same.
		if conn, err := s.connectListener(s.stopCtx); err == nil {
			s.syncs.listening(true)
			if cut {
				s.watchers.Publish([]store.Notice{{Kind: store.NoticeResync}})
				cut = false
			}
			signal()
			_ = s.receive(conn)
			conn.Close(context.Background())
		}
		if s.stopCtx.Err() != nil {
			return
		}
		if !cut {
			cut = true
			s.watchers.Publish([]store.Notice{{Kind: store.NoticeCut}})
		}
		s.syncs.listening(false) // after the NoticeCut: a Sync that fails finds the cut announced
		signal()
		select {
		case <-s.stopCtx.Done():
			return
		case <-time.After(reconnectPause):
		}
	}
}

func (s *Store) connectListener(ctx context.Context) (*pgx.Conn, error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = listenerName
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	// One connection hears the notifications of both channels in the order
	// their transactions committed, so a Sync's token comes after every
	// change committed before it was sent.
	if _, err := conn.Exec(cctx, "LISTEN "+channel+"; LISTEN "+syncChannel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// Sync sends a token through the feed and waits until the listener hears it:
// then every change committed before the call was heard first (or was before
// the listener's connection, when its NoticeResync was published), since
// PostgreSQL delivers one connection's notifications in commit order. A cut
// found first fails it with store.ErrFeedCut, so a Sync on a connection the
// server has already killed ends when the listener reads that, and one on a
// silent connection within the heartbeat's bound.
func (s *Store) Sync(ctx context.Context) error {
	// The send ends with the cut too: on a silent network it could wait for
	// much longer than the listener takes to give up.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	token, heard, ok := s.syncs.add(cancel)
	if !ok {
		return store.ErrFeedCut
	}
	defer s.syncs.drop(token)
	if _, err := s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, syncChannel, s.syncs.payload(token)); err != nil {
		select {
		case heardErr := <-heard: // the cut cancelled the send
			return heardErr
		default:
		}
		return wrap("sync with the change feed", err)
	}
	select {
	case err := <-heard:
		return err
	case <-ctx.Done():
		select {
		case err := <-heard: // the cut cancelled ctx after its answer
			return err
		default:
		}
		return ctx.Err()
	case <-s.stopCtx.Done():
		return fmt.Errorf("postgres: the store is closed: %w", store.ErrFeedCut)
	}
}

// syncs are the Syncs waiting for their tokens.
type syncs struct {
	nonce   uint64 // this store's, so that another instance's tokens are not taken for its own
	mu      sync.Mutex
	live    bool // the listener listens on a connection not found failed yet
	next    uint64
	waiting map[uint64]waitingSync
}

type waitingSync struct {
	heard  chan error // nil, or ErrFeedCut; buffered
	cancel context.CancelFunc
}

// add registers a Sync, to be cancelled if the feed is found cut; false while
// it is.
func (w *syncs) add(cancel context.CancelFunc) (uint64, chan error, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.live {
		return 0, nil, false
	}
	if w.waiting == nil {
		w.waiting = map[uint64]waitingSync{}
	}
	w.next++
	heard := make(chan error, 1)
	w.waiting[w.next] = waitingSync{heard, cancel}
	return w.next, heard, true
}

func (w *syncs) drop(token uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.waiting, token)
}

func (w *syncs) payload(token uint64) string {
	return strconv.FormatUint(w.nonce, 16) + " " + strconv.FormatUint(token, 10)
}

// heard answers the Sync whose token payload is, if it is this store's.
func (w *syncs) heard(payload string) {
	nonce, token, _ := strings.Cut(payload, " ")
	n, err1 := strconv.ParseUint(nonce, 16, 64)
	t, err2 := strconv.ParseUint(token, 10, 64)
	if err1 != nil || err2 != nil || n != w.nonce {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ws, ok := w.waiting[t]; ok {
		ws.heard <- nil
		delete(w.waiting, t)
	}
}

// listening notes whether the listener listens; a connection found failed
// fails every Sync waiting, whose tokens it will never hear.
func (w *syncs) listening(live bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.live = live
	if live {
		return
	}
	for t, ws := range w.waiting {
		ws.heard <- store.ErrFeedCut
		ws.cancel()
		delete(w.waiting, t)
	}
}

// receive publishes notifications until the connection fails.
func (s *Store) receive(conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(s.stopCtx, heartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil && n.Channel == syncChannel:
			s.syncs.heard(n.Payload)
		case err == nil:
			s.watchers.Publish(decodeNotices(n.Payload))
		case s.stopCtx.Err() != nil:
			return err
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			// Quiet: make sure the server is still there.
			pctx, cancel := context.WithTimeout(s.stopCtx, heartbeatTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
