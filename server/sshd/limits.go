package sshd

import (
	"fmt"
	"math"
	"net"
	"sync"
	"time"
)

// verdict is what the rate limiter says about one new connection.
type verdict int

const (
	allowed verdict = iota
	limited         // over the rate: refuse with a message
	dropped         // far over the rate: close without spending a handshake on it
)

// addrLimiter counts new connections per client address in fixed windows. Memory
// is bounded: it remembers at most max addresses, forgetting expired windows
// first and arbitrary ones when an attacker spreads over many addresses.
type addrLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	max    int
	seen   map[string]*addrWindow
}

type addrWindow struct {
	start time.Time
	count int
}

func newAddrLimiter(n int, window time.Duration, max int) *addrLimiter {
	return &addrLimiter{n: n, window: window, max: max, seen: map[string]*addrWindow{}}
}

// allow counts one connection from key at now. When it is refused, wait says
// when the address may connect again.
func (l *addrLimiter) allow(key string, now time.Time) (v verdict, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.seen[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.seen) >= l.max {
			l.evict(now)
		}
		w = &addrWindow{start: now}
		l.seen[key] = w
	}
	w.count++
	wait = w.start.Add(l.window).Sub(now)
	switch {
	case w.count <= l.n:
		return allowed, 0
	case w.count <= 2*l.n:
		return limited, wait
	default:
		return dropped, wait
	}
}

// evict makes room for one more address.
func (l *addrLimiter) evict(now time.Time) {
	for k, w := range l.seen {
		if now.Sub(w.start) >= l.window {
			delete(l.seen, k)
		}
	}
	for k := range l.seen {
		if len(l.seen) < l.max {
			break
		}
		delete(l.seen, k)
	}
}

// addrKey is the unit a rate applies to: the IP of an IPv4 client, the /64 of an
// IPv6 one (one host usually owns a whole /64).
func addrKey(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ip4 := tcp.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func rateMessage(a net.Addr, perMinute int, wait time.Duration) string {
	host := a.String()
	if tcp, ok := a.(*net.TCPAddr); ok {
		host = tcp.IP.String()
	}
	secs := int(math.Ceil(wait.Seconds()))
	return fmt.Sprintf("apikeys: too many connections from %s (at most %d a minute); try again in %d seconds.\r\n",
		host, perMinute, max(secs, 1))
}

// sessionMessage says, in one line, that the server is full.
func capMessage(limit int) string {
	return fmt.Sprintf("The server is at its limit of %d open sessions; try again in a few minutes.", limit)
}

// idleMessage says why an idle session ended.
func idleMessage(d time.Duration) string {
	return fmt.Sprintf("No keystroke for %s; this session has ended. Reconnect to continue.", humanDuration(d))
}

// humanDuration prints 15m as "15 minutes", 90s as "90 seconds", 2h as "2 hours".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int64(d/time.Second), "second")
	default:
		return d.String()
	}
}
