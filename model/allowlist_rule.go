package model

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
)

// Ranges is where a key may be used from, as AllowedRanges works it out. The
// zero Ranges allows every address.
//
// The prefixes are also kept compiled, for the check on every request: sorted,
// merged spans of addresses (first, last), IPv4 apart from IPv6, so a check is
// a binary search over a few integers with no allocation; twenty /24s in a row
// are one span. FuzzRangesAllows holds them to netip.Prefix.Contains.
type Ranges struct {
	restricted bool
	prefixes   []netip.Prefix
	v4         []span4
	v6         []span6
}

// span4 is the IPv4 addresses lo…hi, both included.
type span4 struct{ lo, hi uint32 }

// span6 is the IPv6 addresses lo…hi, both included.
type span6 struct{ lo, hi u128 }

// u128 is an IPv6 address as a number.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

// next is a+1, and false when a is the last address.
func (a u128) next() (u128, bool) {
	if a.lo != ^uint64(0) {
		return u128{a.hi, a.lo + 1}, true
	}
	if a.hi != ^uint64(0) {
		return u128{a.hi + 1, 0}, true
	}
	return a, false
}

func u128Of(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
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
	r := Ranges{restricted: true, prefixes: ps}
	r.compile()
	return r
}

// compile works out the spans of r.prefixes.
func (r *Ranges) compile() {
	var v4 []span4
	var v6 []span6
	for _, p := range r.prefixes {
		if !p.IsValid() {
			continue // contains nothing
		}
		m := p.Masked()
		switch a := m.Addr(); {
		case a.Is4():
			b := a.As4()
			lo := binary.BigEndian.Uint32(b[:])
			host := uint32(0)
			if m.Bits() < 32 {
				host = ^uint32(0) >> m.Bits()
			}
			v4 = append(v4, span4{lo, lo | host})
		default:
			lo := u128Of(a)
			var host u128
			switch n := m.Bits(); {
			case n == 0:
				host = u128{^uint64(0), ^uint64(0)}
			case n < 64:
				host = u128{^uint64(0) >> n, ^uint64(0)}
			case n < 128:
				host = u128{0, ^uint64(0) >> (n - 64)}
			}
			v6 = append(v6, span6{lo, u128{lo.hi | host.hi, lo.lo | host.lo}})
		}
	}
	slices.SortFunc(v4, func(a, b span4) int { return cmp.Compare(a.lo, b.lo) })
	r.v4 = v4[:0]
	for _, s := range v4 {
		// Overlapping or touching the last span: one span.
		if n := len(r.v4); n > 0 && (r.v4[n-1].hi == ^uint32(0) || s.lo <= r.v4[n-1].hi+1) {
			r.v4[n-1].hi = max(r.v4[n-1].hi, s.hi)
			continue
		}
		r.v4 = append(r.v4, s)
	}
	slices.SortFunc(v6, func(a, b span6) int { return a.lo.cmp(b.lo) })
	r.v6 = v6[:0]
	for _, s := range v6 {
		if n := len(r.v6); n > 0 {
			last := &r.v6[n-1]
			if after, ok := last.hi.next(); !ok || s.lo.cmp(after) <= 0 {
				if s.hi.cmp(last.hi) > 0 {
					last.hi = s.hi
				}
				continue
			}
		}
		r.v6 = append(r.v6, s)
	}
}

// Restricted reports whether some address is refused.
func (r Ranges) Restricted() bool { return r.restricted }

// Prefixes are the ranges allowed (empty and unrestricted: anywhere).
func (r Ranges) Prefixes() []netip.Prefix { return r.prefixes }

// Allows reports whether a key under r may be used from addr. An IPv4-mapped
// IPv6 address is the IPv4 address (its zone dropped, as Unmap does); an
// address that isn't one (unknown), or an IPv6 one with a zone, is refused by
// every restriction: netip.Prefix.Contains over the unmapped address.
func (r Ranges) Allows(addr netip.Addr) bool {
	if !r.restricted {
		return true
	}
	if addr.Is4() || addr.Is4In6() {
		b := addr.Unmap().As4()
		x := binary.BigEndian.Uint32(b[:])
		// The first span ending at or after x; x is in it if it starts by x.
		lo, hi := 0, len(r.v4)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if r.v4[m].hi < x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo < len(r.v4) && r.v4[lo].lo <= x
	}
	if !addr.Is6() || addr.Zone() != "" {
		return false
	}
	x := u128Of(addr)
	lo, hi := 0, len(r.v6)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.v6[m].hi.cmp(x) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(r.v6) && r.v6[lo].lo.cmp(x) <= 0
}
