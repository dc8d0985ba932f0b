package httpapi

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the --trusted-proxy ranges: connections from them may say, in
// X-Forwarded-For or Forwarded, whom they forward for. From anywhere else those
// headers are ignored (anyone can send them).
type Proxies []netip.Prefix

// Trusts reports whether a connection from a comes from a trusted proxy.
func (p Proxies) Trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// maxHops bounds the hops read from forwarding headers: a chain longer than
// this is not one this server's proxies built.
const maxHops = 64

// clientAddr is the address a request counts as coming from: the TCP peer,
// or, when the peer is a trusted proxy, the right-most address of its
// forwarding header that isn't a trusted proxy itself (each proxy appends the
// address it saw, so everything left of the first untrusted hop was written by
// the client and proves nothing). Forwarded (RFC 7239) is read when present,
// else X-Forwarded-For. A hop that isn't an address ("unknown", an obfuscated
// name, garbage) ends the walk at the hop to its right. viaProxy reports that
// the peer was a trusted proxy.
func clientAddr(r *http.Request, trusted Proxies) (client netip.Addr, viaProxy bool) {
	peer := remoteIP(r.RemoteAddr).Unmap()
	if len(trusted) == 0 || !trusted.Trusts(peer) {
		return peer, false
	}
	var hops []string
	if vs := r.Header.Values("Forwarded"); len(vs) > 0 {
		hops = forwardedHops(vs)
	} else {
		hops = splitHops(r.Header.Values("X-Forwarded-For"))
	}
	cur := peer
	for i, n := len(hops)-1, 0; i >= 0 && n < maxHops; i, n = i-1, n+1 {
		a, ok := parseHop(hops[i])
		if !ok {
			return cur, true
		}
		cur = a
		if !trusted.Trusts(cur) {
			return cur, true
		}
	}
	return cur, true
}

// splitHops reads X-Forwarded-For values: comma-separated addresses, over
// any number of header lines, in order.
func splitHops(vs []string) []string {
	var out []string
	for _, v := range vs {
		for h := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(h))
		}
	}
	return out
}

// forwardedHops reads the for= parameter of each Forwarded element (RFC 7239
// §4: elements by commas, pairs by semicolons, values tokens or quoted
// strings). An element without for= is a hop of unknown address: "".
func forwardedHops(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, el := range splitQuoted(v, ',') {
			hop := ""
			for _, pair := range splitQuoted(el, ';') {
				name, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "for") {
					hop = unquote(strings.TrimSpace(val))
				}
			}
			out = append(out, hop)
		}
	}
	return out
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted && i+1 < len(s):
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		if strings.Contains(s, `\`) {
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			s = b.String()
		}
	}
	return s
}

// parseHop reads one hop: "192.0.2.60", "192.0.2.60:4711", "2001:db8::1",
// "[2001:db8::1]", "[2001:db8::1]:4711". Zones are refused.
func parseHop(h string) (netip.Addr, bool) {
	if h == "" || len(h) > 64 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		if h[0] == '[' && h[len(h)-1] == ']' {
			a, err = netip.ParseAddr(h[1 : len(h)-1])
		} else {
			var ap netip.AddrPort
			ap, err = netip.ParseAddrPort(h)
			a = ap.Addr()
		}
	}
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// clientOf is the client address of a request being served.
func clientOf(w http.ResponseWriter, r *http.Request) netip.Addr {
	if info := infoOf(w); info != nil && info.client.IsValid() {
		return info.client
	}
	return remoteIP(r.RemoteAddr).Unmap()
}

// VerifyTokenHeader carries the --verify-token of a verify caller that may
// name, in the body's "address", where a key was presented from.
const VerifyTokenHeader = "X-Verify-Token"

// presentedFrom is the address a verified key counts as presented from: the
// body's "address" when the caller may give one (a trusted proxy, or the
// verify token), else the request's own client. A given address from anyone
// else is refused with 400: silently checking the caller's own address instead
// would answer a question that wasn't asked.
func (s *Server) presentedFrom(w http.ResponseWriter, r *http.Request, given *string) (netip.Addr, bool) {
	if given == nil {
		return clientOf(w, r), true
	}
	info := infoOf(w)
	tok := r.Header.Get(VerifyTokenHeader)
	byToken := s.verifyTok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.verifyTok)) == 1
	if !byToken && (info == nil || !info.viaProxy) {
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest,
			`"address" is accepted only from a trusted proxy (--trusted-proxy) or with the verify token in `+VerifyTokenHeader+`.`)
		return netip.Addr{}, false
	}
	a, ok := parseHop(strings.TrimSpace(*given))
	if !ok {
		writeError(w, r, http.StatusBadRequest, codeInvalidRequest, `"address" must be an IPv4 or IPv6 address, such as 203.0.113.9.`)
		return netip.Addr{}, false
	}
	return a, true
}
