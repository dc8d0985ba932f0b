package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

var testProxies = Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}

func reqWith(peer string, h map[string][]string) *http.Request {
	r := &http.Request{RemoteAddr: peer, Header: http.Header{}}
	for k, vs := range h {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func TestClientAddr(t *testing.T) {
	for _, c := range []struct {
		name, peer string
		h          map[string][]string
		want       string
		via        bool
	}{
		{"untrusted peer, header ignored", "203.0.113.9:5000", map[string][]string{"X-Forwarded-For": {"10.1.1.1"}}, "203.0.113.9", false},
		{"trusted peer, one hop", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.7"}}, "198.51.100.7", true},
		{"right-most untrusted", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"1.1.1.1, 198.51.100.7, 10.0.0.2"}}, "198.51.100.7", true},
		{"all trusted: the left-most", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"10.9.9.9, 10.0.0.2"}}, "10.9.9.9", true},
		{"garbage stops at the hop right of it", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"1.1.1.1, nonsense, 10.0.0.2"}}, "10.0.0.2", true},
		{"empty hop", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"1.1.1.1,,"}}, "10.0.0.1", true},
		{"ports and brackets", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"[2001:db8::7]:443"}}, "2001:db8::7", true},
		{"IPv4-mapped is IPv4", "[::ffff:10.0.0.1]:5000", map[string][]string{"X-Forwarded-For": {"::ffff:198.51.100.7"}}, "198.51.100.7", true},
		{"Forwarded wins over X-Forwarded-For", "10.0.0.1:5000", map[string][]string{
			"Forwarded": {`for=198.51.100.7;proto=https`}, "X-Forwarded-For": {"1.1.1.1"}}, "198.51.100.7", true},
		{"Forwarded: quoted IPv6 with port", "[2001:db8:1::1]:5000", map[string][]string{"Forwarded": {`for="[2001:db8::17]:4711", for=10.0.0.3`}}, "2001:db8::17", true},
		{"Forwarded: unknown stops", "10.0.0.1:5000", map[string][]string{"Forwarded": {`for=1.1.1.1, for=unknown`}}, "10.0.0.1", true},
		{"Forwarded: element without for", "10.0.0.1:5000", map[string][]string{"Forwarded": {`for=1.1.1.1, proto=http`}}, "10.0.0.1", true},
		{"Forwarded: FOR, spaces, quoted comma", "10.0.0.1:5000", map[string][]string{"Forwarded": {`by="a,b"; FOR = 198.51.100.7`}}, "198.51.100.7", true},
		{"zone refused", "10.0.0.1:5000", map[string][]string{"X-Forwarded-For": {"fe80::1%eth0"}}, "10.0.0.1", true},
	} {
		got, via := clientAddr(reqWith(c.peer, c.h), testProxies)
		if got.String() != c.want || via != c.via {
			t.Errorf("%s: %v (via proxy %v), want %s (%v)", c.name, got, via, c.want, c.via)
		}
	}
}

// TestClientAddrLongChain: a header of thousands of hops costs at most maxHops
// parses and never names a hop the walk didn't reach.
func TestClientAddrLongChain(t *testing.T) {
	hops := strings.Repeat("10.0.0.9, ", 5000) + "10.0.0.2"
	got, _ := clientAddr(reqWith("10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.7, " + hops}}), testProxies)
	if !testProxies.Trusts(got) {
		t.Errorf("a chain longer than %d hops reached %v", maxHops, got)
	}
}

// FuzzClientAddr: whatever the headers say, the answer is the peer when it is
// not a trusted proxy, otherwise the peer or an address the headers name; it
// is valid, unmapped and zone-free, and the parser never panics.
func FuzzClientAddr(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "1.1.1.1, 10.0.0.2", `for="[2001:db8::17]:4711";proto=https, for=unknown`,
		`for="\"x\\"`, "a,,b;;c", `for=_hidden`, "[::1]", "::ffff:1.2.3.4"} {
		f.Add("10.0.0.1:5000", s, s)
		f.Add("203.0.113.9:1", s, "")
	}
	f.Fuzz(func(t *testing.T, peer, xff, fwd string) {
		h := map[string][]string{}
		if xff != "" {
			h["X-Forwarded-For"] = []string{xff}
		}
		if fwd != "" {
			h["Forwarded"] = []string{fwd}
		}
		r := reqWith(peer, h)
		got, via := clientAddr(r, testProxies)
		p := remoteIP(peer).Unmap()
		if !testProxies.Trusts(p) {
			if got != p || via {
				t.Fatalf("untrusted peer %q answered %v (via %v)", peer, got, via)
			}
			return
		}
		if !got.IsValid() || got.Is4In6() || got.Zone() != "" {
			t.Fatalf("answer %v is not a plain address", got)
		}
		if got == p {
			return
		}
		hops := forwardedHops([]string{fwd})
		if fwd == "" {
			hops = splitHops([]string{xff})
		}
		for _, hop := range hops {
			if a, ok := parseHop(hop); ok && a == got {
				return
			}
		}
		t.Fatalf("answer %v is neither the peer nor a hop of the headers", got)
	})
}
