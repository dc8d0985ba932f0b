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
// When a shard is full of live entries, the one nearest to expiry is evicted: the
// client that loses least by being forgotten. However many addresses call, the
// limiter holds at most `capacity` entries (about 5 MB at the default 65,536).
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
	tat map[netip.Prefix]int64 // unix ns
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
		l.shards[i].tat = make(map[netip.Prefix]int64)
	}
	return l
}

// allow takes one request for client and reports whether it may proceed; when
// not, wait is how long until it would.
func (l *limiter) allow(client netip.Prefix) (ok bool, wait time.Duration) {
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

// makeRoom drops every expired entry, or if none has expired, the one that will
// expire first. Called with the shard locked and full.
func (sh *limiterShard) makeRoom(now int64) {
	var victim netip.Prefix
	oldest := int64(1<<63 - 1)
	freed := false
	for k, t := range sh.tat {
		if t <= now {
			delete(sh.tat, k)
			freed = true
			continue
		}
		if !freed && t < oldest {
			victim, oldest = k, t
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

// clientKey is the identity the limiter counts a remote address under: the IPv4
// address, or the IPv6 /64 (IPv4-mapped IPv6 counts as IPv4). An address that
// does not parse (not expected from net/http) is counted under the zero prefix,
// all together, rather than slipping past the limit.
func clientKey(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64)
		return p
	}
	if addr.Is4() {
		p, _ := addr.Prefix(32)
		return p
	}
	return netip.Prefix{}
}

// remoteIP is the IP of r.RemoteAddr ("ip:port"); forwarded headers are not
// trusted, as anyone can set them.
func remoteIP(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr()
	}
	a, _ := netip.ParseAddr(remoteAddr)
	return a
}
