// Package ratelimit is the one rate limiter of the servers: per client address,
// with bounded memory. The HTTP API uses it for requests, the SSH server for new
// connections; both count a client by Key, so an IPv6 client is one /64 for both.
package ratelimit

import (
	"hash/maphash"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Limiter is a per-client rate limiter with bounded memory.
//
// Algorithm: GCRA (the generic cell rate algorithm, a token bucket kept as one
// number). Each client has a theoretical arrival time (TAT); a request is allowed
// when the TAT it would push to is no more than one window ahead of now. The
// result: a fresh client may send `limit` requests at once, and from then on one
// every window/limit (600 ms for 500 per 5 minutes); over any long stretch no
// client gets more than `limit` per window. The refusal says exactly when the
// next request would pass (an HTTP Retry-After, an SSH "try again in"). A refused
// request does not move the TAT, so retrying early costs a client nothing more.
//
// Memory: one small entry per client, in shards of fixed capacity. An entry whose
// TAT has passed holds nothing a fresh entry wouldn't, so it is dropped for free.
// When a shard is full of live entries, the one nearest to expiry (among a random
// sample) is evicted: the client that loses least by being forgotten. However
// many addresses call, the limiter holds at most `capacity` entries (7 MB of heap
// at 65,536, measured), and a new address costs at most a 32-entry scan.
type Limiter struct {
	interval int64 // ns between requests at the sustained rate: window/limit
	burst    int64 // ns of credit a client may run ahead: limit*interval
	now      func() time.Time
	seed     maphash.Seed
	shardCap int
	shards   [shards]shard
}

const shards = 64

type shard struct {
	mu  sync.Mutex
	tat map[Key]int64 // unix ns
}

// New builds a limiter of limit requests per window for each client, remembering
// at most capacity clients. now is the clock (time.Now outside tests).
func New(limit int, window time.Duration, capacity int, now func() time.Time) *Limiter {
	limit = max(limit, 1)
	interval := max(int64(window)/int64(limit), 1)
	l := &Limiter{
		interval: interval,
		burst:    interval * int64(limit),
		now:      now,
		seed:     maphash.MakeSeed(),
		shardCap: max(capacity/shards, 1),
	}
	for i := range l.shards {
		l.shards[i].tat = make(map[Key]int64)
	}
	return l
}

// Allow takes one request for client and reports whether it may proceed; when
// not, wait is how long until it would.
func (l *Limiter) Allow(client Key) (ok bool, wait time.Duration) {
	now := l.now().UnixNano()
	sh := &l.shards[maphash.Comparable(l.seed, client)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()

	tat, known := sh.tat[client]
	if tat < now {
		tat = now
	}
	next := tat + l.interval
	if next-now > l.burst {
		return false, time.Duration(next - l.burst - now)
	}
	if !known && len(sh.tat) >= l.shardCap {
		sh.makeRoom(now)
	}
	sh.tat[client] = next
	return true, 0
}

// makeRoom frees at least one slot in a full shard (called with it locked). It
// looks at a random sample of entries (Go starts each map iteration at a random
// place): expired ones are dropped; if none was, the live one nearest to expiry
// is evicted. Sampling keeps the cost flat when a flood of fresh addresses keeps
// every shard full of live entries; a full scan would cost the whole shard on
// every new address.
func (sh *shard) makeRoom(now int64) {
	const sample = 32
	var victim Key
	oldest := int64(1<<63 - 1)
	seen, freed := 0, false
	for k, t := range sh.tat {
		if t <= now {
			delete(sh.tat, k)
			freed = true
		} else if t < oldest {
			victim, oldest = k, t
		}
		if seen++; seen == sample {
			break
		}
	}
	if !freed {
		delete(sh.tat, victim)
	}
}

// Len counts the clients remembered now.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.tat)
		sh.mu.Unlock()
	}
	return n
}

// Key is who a limit counts against: 16 bytes, an IPv4 address in its
// IPv4-mapped form, or an IPv6 address masked to its /64 (whose low half is then
// zero, so the two kinds never collide). One IPv6 host usually owns a whole /64
// and could otherwise rotate through addresses to dodge a limit. Small and
// fixed-size, it keeps each limiter entry at 24 bytes.
type Key [16]byte

// KeyOf is the Key of an IP address. An invalid address (a Unix socket's) is
// counted under the zero Key, all together, rather than slipping past the limit.
func KeyOf(addr netip.Addr) Key {
	addr = addr.Unmap()
	switch {
	case addr.Is4():
		return addr.As16()
	case addr.Is6():
		p, _ := addr.WithZone("").Prefix(64)
		return p.Addr().As16()
	}
	return Key{}
}

// KeyOfAddr is the Key of a connection's remote address.
func KeyOfAddr(a net.Addr) Key {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return KeyOf(tcp.AddrPort().Addr())
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return KeyOf(ap.Addr())
	}
	return Key{}
}

func (k Key) String() string { return netip.AddrFrom16(k).Unmap().String() }
