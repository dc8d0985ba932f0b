package model

import "net/netip"

// Ranges is where a key may be used from, as AllowedRanges works it out. The
// zero Ranges allows every address.
type Ranges struct {
	restricted bool
	prefixes   []netip.Prefix
}

// AllowedRanges is SPEC §10's rule, the one place it is written: a key linked
// to lists may be used from inside any of them (their union); a key with no list
// of its own falls under the workspace's default list, if one is set; with no
// default, it may be used from anywhere.
func AllowedRanges(own []AllowList, def *AllowList) Ranges {
	lists := own
	if len(lists) == 0 {
		if def == nil {
			return Ranges{}
		}
		lists = []AllowList{*def}
	}
	var ps []netip.Prefix
	for _, l := range lists {
		for _, p := range l.Entries {
			// Unmapped already by ParseEntry; kept safe for rows written otherwise.
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			ps = append(ps, p)
		}
	}
	return Ranges{restricted: true, prefixes: ps}
}

// Restricted reports whether some address is refused.
func (r Ranges) Restricted() bool { return r.restricted }

// Prefixes are the ranges allowed (empty and unrestricted: anywhere).
func (r Ranges) Prefixes() []netip.Prefix { return r.prefixes }

// Allows reports whether a key under r may be used from addr. An IPv4-mapped
// IPv6 address is the IPv4 address; an address that isn't one (unknown) is
// refused by every restriction.
func (r Ranges) Allows(addr netip.Addr) bool {
	if !r.restricted {
		return true
	}
	addr = addr.Unmap()
	for _, p := range r.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
