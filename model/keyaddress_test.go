package model

import (
	"net/netip"
	"slices"
	"testing"
)

// TestRangesRefused: the dry run's rule is the check's, cell by cell of the
// union-and-default rule, over recorded addresses.
func TestRangesRefused(t *testing.T) {
	list := func(entries ...string) AllowList {
		var ps []netip.Prefix
		for _, e := range entries {
			ps = append(ps, netip.MustParsePrefix(e))
		}
		return AllowList{Entries: ps}
	}
	office, vpn, def := list("192.0.2.0/24"), list("2001:db8::/32", "198.51.100.7/32"), list("203.0.113.0/24")
	seen := []string{"192.0.2.9", "198.51.100.7", "2001:db8::5", "203.0.113.1", "::ffff:192.0.2.10", "unknown"}
	for _, c := range []struct {
		name string
		own  []AllowList
		def  *AllowList
		want []string
	}{
		{"no list", nil, nil, nil},
		{"one list", []AllowList{office}, nil, []string{"198.51.100.7", "2001:db8::5", "203.0.113.1", "unknown"}},
		{"two lists: their union", []AllowList{office, vpn}, nil, []string{"203.0.113.1", "unknown"}},
		{"default only", nil, &def, []string{"192.0.2.9", "198.51.100.7", "2001:db8::5", "::ffff:192.0.2.10", "unknown"}},
		{"own list wins over the default", []AllowList{vpn}, &def, []string{"192.0.2.9", "203.0.113.1", "::ffff:192.0.2.10", "unknown"}},
		{"/0", []AllowList{list("0.0.0.0/0")}, nil, []string{"2001:db8::5", "unknown"}},
		{"a single address", []AllowList{list("192.0.2.9/32")}, nil, []string{"198.51.100.7", "2001:db8::5", "203.0.113.1", "::ffff:192.0.2.10", "unknown"}},
	} {
		var addrs []KeyAddress
		for _, a := range seen {
			addrs = append(addrs, KeyAddress{Addr: a})
		}
		var got []string
		for _, a := range AllowedRanges(c.own, c.def).Refused(addrs) {
			got = append(got, a.Addr)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: refused %v, want %v", c.name, got, c.want)
		}
	}
}
