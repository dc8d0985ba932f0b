package httpapi

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// limiter is a per-client rate limiter with bounded memory.
//
// Algorithm: GCRA (the generic cell rate algorithm, a token bucket kept as one
// number). Each client has a theoretical arrival time (TAT); a request is allowed
// when the TAT it would push to is no more than one window ahead of now. The
// result: a fresh client may send `limit` requests at once, and from then on one
// every window/limit (600 ms for 500 per 5 minutes); over any long stretch no
// client gets more than `limit` per window. The refusal says exactly when the
// next request would pass, which becomes Retry-After.
//
// Memory: one small entry per client, in shards of fixed capacity. An entry whose
// TAT has passed holds nothing a fresh entry wouldn't, so it is dropped for free.
// When a shard is full of live entries, the one nearest to expiry (among a random
// sample) is evicted: the client that loses least by being forgotten. However
// many addresses call, the limiter holds at most `capacity` entries (7 MB of heap
// at the default 65,536, measured), and a new address costs at most a 32-entry scan.
//
// Client identity: an IPv4 address, or an IPv6 /64 — one IPv6 host usually owns a
// whole /64 and could otherwise rotate through addresses to dodge the limit.
type limiter struct {
	interval int64 // ns between requests at the sustained rate: window/limit
	burst    int64 // ns of credit a client may run ahead: limit*interval
	now      func() time.Time
	seed     maphash.Seed
	shardCap int
	shards   [limiterShards]limiterShard
}

const limiterShards = 64

type limiterShard struct {
	mu  sync.Mutex
	tat map[clientID]int64 // unix ns
}

func newLimiter(limit int, window time.Duration, capacity int, now func() time.Time) *limiter {
	interval := int64(window) / int64(limit)
	if interval < 1 {
		interval = 1
	}
	shardCap := capacity / limiterShards
	if shardCap < 1 {
		shardCap = 1
	}
	l := &limiter{
		interval: interval,
		burst:    interval * int64(limit),
		now:      now,
		seed:     maphash.MakeSeed(),
		shardCap: shardCap,
	}
	for i := range l.shards {
		l.shards[i].tat = make(map[clientID]int64)
	}
	return l
}

// allow takes one request for client and reports whether it may proceed; when
// not, wait is how long until it would.
func (l *limiter) allow(client clientID) (ok bool, wait time.Duration) {
	now := l.now().UnixNano()
	sh := &l.shards[maphash.Comparable(l.seed, client)%limiterShards]
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
func (sh *limiterShard) makeRoom(now int64) {
	const sample = 32
	var victim clientID
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

// size counts remembered clients, for tests.
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.tat)
		sh.mu.Unlock()
	}
	return n
}

// clientID is who the limiter counts a request against: 16 bytes, an IPv4
// address in its IPv4-mapped form, or an IPv6 address masked to its /64 (whose
// low half is then zero, so the two kinds never collide). Small and fixed-size,
// it keeps each entry at 24 bytes.
type clientID [16]byte

// clientKey is the identity of a remote address. An address that does not parse
// (a Unix socket) is counted under the zero id, all together, rather than
// slipping past the limit.
func clientKey(addr netip.Addr) clientID {
	addr = addr.Unmap()
	switch {
	case addr.Is4():
		return addr.As16()
	case addr.Is6():
		p, _ := addr.WithZone("").Prefix(64)
		return p.Addr().As16()
	}
	return clientID{}
}

func (c clientID) String() string { return netip.AddrFrom16(c).Unmap().String() }

// remoteIP is the IP of r.RemoteAddr ("ip:port"); forwarded headers are not
// trusted, as anyone can set them.
func remoteIP(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr()
	}
	a, _ := netip.ParseAddr(remoteAddr)
	return a
}
