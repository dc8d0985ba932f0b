package httpapi

import (
	"net/netip"
	"time"

	"github.com/apikeys-dev/apikeys/server/ratelimit"
)

// limiter is the servers' one rate limiter (see package ratelimit), counting
// requests per client address.
type limiter struct{ l *ratelimit.Limiter }

func newLimiter(limit int, window time.Duration, capacity int, now func() time.Time) *limiter {
	return &limiter{ratelimit.New(limit, window, capacity, now)}
}

// allow takes one request for client; when refused, wait becomes Retry-After.
func (l *limiter) allow(client clientID) (ok bool, wait time.Duration) { return l.l.Allow(client) }

// clientID is who a request counts against: an IPv4 address or an IPv6 /64.
type clientID = ratelimit.Key

func clientKey(addr netip.Addr) clientID { return ratelimit.KeyOf(addr) }

// remoteIP is the IP of r.RemoteAddr ("ip:port"); forwarded headers are not
// trusted, as anyone can set them.
func remoteIP(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr()
	}
	a, _ := netip.ParseAddr(remoteAddr)
	return a
}
