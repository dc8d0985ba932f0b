package model_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

func list(name string, entries ...string) model.AllowList {
	ps, err := model.ParseEntries(entries)
	if err != nil {
		panic(err)
	}
	return model.AllowList{ID: "ipl_" + name, Name: name, Entries: ps}
}

// TestAllowedRanges is SPEC §10's rule, cell by cell: which lists apply to a
// key, and whether an address is inside them.
func TestAllowedRanges(t *testing.T) {
	office := list("office", "198.51.100.0/24")
	vpn := list("vpn", "203.0.113.9", "2001:db8::/48")
	def := list("default", "192.0.2.0/24")
	anywhere := list("anywhere", "0.0.0.0/0")
	mapped := list("mapped", "::ffff:10.0.0.0/104")
	adjacent := list("adjacent", "10.0.1.0/24", "10.0.0.0/24", "10.0.3.0/24")
	nested := list("nested", "10.1.2.3", "10.0.0.0/8", "10.1.0.0/16", "2001:db8:1::/48", "2001:db8::/32")
	edges := list("edges", "255.255.255.255", "255.255.255.0/24", "0.0.0.0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::")
	v6all := list("v6all", "::/0")
	for _, c := range []struct {
		name       string
		own        []model.AllowList
		def        *model.AllowList
		addr       string
		want       bool
		restricted bool
	}{
		{"no list, no default: anywhere", nil, nil, "203.0.113.50", true, false},
		{"no list, no default: even an unknown address", nil, nil, "", true, false},
		{"one list: inside", []model.AllowList{office}, nil, "198.51.100.7", true, true},
		{"one list: outside", []model.AllowList{office}, nil, "198.51.101.7", false, true},
		{"one list: unknown address refused", []model.AllowList{office}, nil, "", false, true},
		{"two lists: inside the first", []model.AllowList{office, vpn}, nil, "198.51.100.200", true, true},
		{"two lists: inside the second", []model.AllowList{office, vpn}, nil, "203.0.113.9", true, true},
		{"two lists: IPv6 inside the second", []model.AllowList{office, vpn}, nil, "2001:db8:0:1::5", true, true},
		{"two lists: in neither", []model.AllowList{office, vpn}, nil, "203.0.113.10", false, true},
		{"default only: inside", nil, &def, "192.0.2.1", true, true},
		{"default only: outside", nil, &def, "198.51.100.7", false, true},
		{"default plus own list: own wins, inside own", []model.AllowList{office}, &def, "198.51.100.7", true, true},
		{"default plus own list: own wins, default's address refused", []model.AllowList{office}, &def, "192.0.2.1", false, true},
		{"IPv4-mapped IPv6 client inside an IPv4 list", []model.AllowList{office}, nil, "::ffff:198.51.100.7", true, true},
		{"IPv4-mapped IPv6 client outside", []model.AllowList{office}, nil, "::ffff:198.51.101.7", false, true},
		{"IPv4-mapped entry matches an IPv4 client", []model.AllowList{mapped}, nil, "10.1.2.3", true, true},
		{"IPv4-mapped entry matches a mapped client", []model.AllowList{mapped}, nil, "::ffff:10.1.2.3", true, true},
		{"/0 allows every IPv4 address", []model.AllowList{anywhere}, nil, "8.8.8.8", true, true},
		{"IPv4 /0 does not allow IPv6", []model.AllowList{anywhere}, nil, "2001:db8::1", false, true},
		{"a single address: that address", []model.AllowList{vpn}, nil, "203.0.113.9", true, true},
		{"a single address: its neighbour", []model.AllowList{vpn}, nil, "203.0.113.8", false, true},
		{"adjacent ranges merged: the seam", []model.AllowList{adjacent}, nil, "10.0.1.0", true, true},
		{"adjacent ranges merged: the end of the second", []model.AllowList{adjacent}, nil, "10.0.1.255", true, true},
		{"adjacent ranges merged: the gap after them", []model.AllowList{adjacent}, nil, "10.0.2.0", false, true},
		{"adjacent ranges merged: the range past the gap", []model.AllowList{adjacent}, nil, "10.0.3.7", true, true},
		{"a gap of one address between ranges", []model.AllowList{list("gap", "10.0.0.0/24", "10.0.1.1")}, nil, "10.0.1.0", false, true},
		{"a gap of one IPv6 address between ranges", []model.AllowList{list("gap6", "2001:db8::/48", "2001:db8:1::1")}, nil, "2001:db8:1::", false, true},
		{"touching IPv6 ranges: the seam", []model.AllowList{list("seam6", "2001:db8::/48", "2001:db8:1::/48")}, nil, "2001:db8:1::", true, true},
		{"adjacent ranges merged: just before the first", []model.AllowList{adjacent}, nil, "9.255.255.255", false, true},
		{"nested ranges: inside the smallest", []model.AllowList{nested}, nil, "10.1.2.3", true, true},
		{"nested ranges: the end of the widest", []model.AllowList{nested}, nil, "10.255.255.255", true, true},
		{"nested ranges: just past the widest", []model.AllowList{nested}, nil, "11.0.0.0", false, true},
		{"nested IPv6 ranges: the end of the widest", []model.AllowList{nested}, nil, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true, true},
		{"nested IPv6 ranges: just past the widest", []model.AllowList{nested}, nil, "2001:db9::", false, true},
		{"overlapping lists: union of both", []model.AllowList{adjacent, nested}, nil, "10.200.0.1", true, true},
		{"the last IPv4 address", []model.AllowList{edges}, nil, "255.255.255.255", true, true},
		{"the first IPv4 address", []model.AllowList{edges}, nil, "0.0.0.0", true, true},
		{"between the IPv4 edges", []model.AllowList{edges}, nil, "1.0.0.0", false, true},
		{"the last IPv6 address", []model.AllowList{edges}, nil, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, true},
		{"the first IPv6 address", []model.AllowList{edges}, nil, "::", true, true},
		{"between the IPv6 edges", []model.AllowList{edges}, nil, "::1", false, true},
		{"IPv4-mapped client inside merged ranges", []model.AllowList{adjacent}, nil, "::ffff:10.0.1.255", true, true},
		{"IPv4-mapped client in the gap of merged ranges", []model.AllowList{adjacent}, nil, "::ffff:10.0.2.0", false, true},
		{"IPv4-mapped client with a port inside", []model.AllowList{nested}, nil, "[::ffff:10.9.9.9]:443", true, true},
		{"IPv6 /0 allows every IPv6 address", []model.AllowList{v6all}, nil, "2001:db8::1", true, true},
		{"IPv6 /0 does not allow an IPv4-mapped client", []model.AllowList{v6all}, nil, "::ffff:10.0.0.1", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := model.AllowedRanges(c.own, c.def)
			if r.Restricted() != c.restricted {
				t.Errorf("Restricted() = %v, want %v", r.Restricted(), c.restricted)
			}
			if got := r.Allows(model.ClientAddr(c.addr)); got != c.want {
				t.Errorf("Allows(%q) = %v, want %v", c.addr, got, c.want)
			}
		})
	}
}

// TestRangesAllowsZoned: a zone never reaches a check (ClientAddr drops it),
// but Allows still answers for one as netip.Prefix.Contains does.
func TestRangesAllowsZoned(t *testing.T) {
	r := model.AllowedRanges([]model.AllowList{list("l", "fe80::/10", "10.0.0.0/8")}, nil)
	if r.Allows(netip.MustParseAddr("fe80::1%eth0")) {
		t.Error("a zoned IPv6 address allowed")
	}
	if !r.Allows(netip.MustParseAddr("::ffff:10.0.0.1%eth0")) {
		t.Error("a zoned IPv4-mapped address refused (Unmap drops the zone)")
	}
}

// Allows makes no allocation: it runs on every check.
func TestRangesAllowsAllocatesNothing(t *testing.T) {
	r := model.AllowedRanges([]model.AllowList{list("l", "10.0.0.0/24", "10.0.2.0/24", "2001:db8::/48")}, nil)
	a4, a6 := netip.MustParseAddr("10.0.2.9"), netip.MustParseAddr("2001:db8::9")
	if n := testing.AllocsPerRun(100, func() { r.Allows(a4); r.Allows(a6) }); n != 0 {
		t.Errorf("%v allocations per check", n)
	}
}

func TestParseEntry(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"10.0.0.7", "10.0.0.7/32", ""},
		{" 198.51.100.0/24 ", "198.51.100.0/24", ""},
		{"2001:db8::/48", "2001:db8::/48", ""},
		{"2001:DB8::1", "2001:db8::1/128", ""},
		{"0.0.0.0/0", "0.0.0.0/0", ""},
		{"::/0", "::/0", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"::ffff:10.0.0.1", "10.0.0.1/32", ""},
		{"10.0.0.5/24", "", "10.0.0.5/24 has host bits set; did you mean 10.0.0.0/24?"},
		{"10.0.0.7/24", "", "10.0.0.7/24 has host bits set; did you mean 10.0.0.0/24?"},
		{"2001:db8::1/48", "", "2001:db8::1/48 has host bits set; did you mean 2001:db8::/48?"},
		{"::ffff:0:0/96", "0.0.0.0/0", ""},
		{"10.0.0.0/33", "", "“10.0.0.0/33” is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48)."},
		{"fe80::1%eth0", "", "“fe80::1%eth0” is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48)."},
		{"example.com", "", "“example.com” is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48)."},
		{"10.0.0", "", "“10.0.0” is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48)."},
		{"", "", "An entry is required: an address such as 203.0.113.9 or a range such as 198.51.100.0/24."},
	} {
		p, err := model.ParseEntry(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err || model.KindOf(err) != model.KindInvalid {
				t.Errorf("ParseEntry(%q) = %v, %v; want error %q", c.in, p, err, c.err)
			}
			continue
		}
		if err != nil || p.String() != c.want {
			t.Errorf("ParseEntry(%q) = %v, %v; want %s", c.in, p, err, c.want)
		}
	}
}

func TestParseEntriesDropsRepeats(t *testing.T) {
	ps, err := model.ParseEntries([]string{"10.0.0.1", "10.0.0.1/32", "::ffff:10.0.0.1", "10.0.0.2"})
	if err != nil || len(ps) != 2 {
		t.Fatalf("ParseEntries = %v, %v; want two entries", ps, err)
	}
}

func TestValidateAllowList(t *testing.T) {
	ok := list("office", "10.0.0.0/8")
	if _, err := model.ValidateAllowList(model.AllowList{Name: " Office ", Entries: ok.Entries}); err != nil {
		t.Errorf("a good list refused: %v", err)
	}
	for name, l := range map[string]model.AllowList{
		"no entries":   {Name: "Office"},
		"no name":      {Name: " ", Entries: ok.Entries},
		"escape":       {Name: "a\x1b[31m", Entries: ok.Entries},
		"long desc":    {Name: "Office", Description: strings.Repeat("x", 201), Entries: ok.Entries},
		"many entries": {Name: "Office", Entries: make([]netip.Prefix, model.MaxAllowListEntries+1)},
	} {
		if _, err := model.ValidateAllowList(l); model.KindOf(err) != model.KindInvalid {
			t.Errorf("%s: ValidateAllowList = %v, want invalid", name, err)
		}
	}
}

func TestIPNotAllowed(t *testing.T) {
	err := model.IPNotAllowed("203.0.113.9")
	if !model.IsIPNotAllowed(err) || model.KindOf(err) != model.KindForbidden {
		t.Fatalf("IPNotAllowed = %v (kind %v)", err, model.KindOf(err))
	}
	if model.IsIPNotAllowed(model.Forbidden("no")) {
		t.Error("another refusal taken for ip_not_allowed")
	}
	if got := model.IPNotAllowed("\x1b[2J").Error(); strings.Contains(got, "\x1b") {
		t.Errorf("message carries raw control text: %q", got)
	}
}

// FuzzParseEntry: whatever text comes in, an accepted entry is a masked prefix
// that reads back as itself, never an IPv4-mapped one; a refusal is a typed
// error.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"10.0.0.7", "10.0.0.5/24", "2001:db8::/48", "::ffff:10.0.0.0/104", "fe80::1%eth0", "0.0.0.0/0", "::/0", "1.2.3.4/-1", "[::1]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := model.ParseEntry(s)
		if err != nil {
			if model.KindOf(err) != model.KindInvalid {
				t.Fatalf("ParseEntry(%q) error of kind %v: %v", s, model.KindOf(err), err)
			}
			return
		}
		if !p.IsValid() || p.Masked() != p || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("ParseEntry(%q) = %v: not a normalised prefix", s, p)
		}
		again, err := model.ParseEntry(p.String())
		if err != nil || again != p {
			t.Fatalf("ParseEntry(%q) = %v, which reads back as %v, %v", s, p, again, err)
		}
		if !model.AllowedRanges([]model.AllowList{{Entries: []netip.Prefix{p}}}, nil).Allows(p.Addr()) {
			t.Fatalf("a list of %v refuses its own first address", p)
		}
	})
}

// FuzzRangesAllows: the compiled spans Allows searches agree with the plain
// rule, any prefix of the lists containing the unmapped client address
// (netip.Prefix.Contains), whatever the prefixes (overlapping, nested,
// touching, host bits set, IPv4-mapped) and the address (inside, at an edge,
// just past one, mapped, zoned).
func FuzzRangesAllows(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0, 0, 24, 0, 10, 0, 1, 0, 24}, []byte{4, 0})
	f.Add([]byte{0, 10, 0, 0, 0, 8, 0, 10, 1, 0, 0, 16, 0, 10, 1, 2, 3, 32}, []byte{3, 1, 0, 0, 1, 0})
	f.Add([]byte{1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32}, []byte{4, 0})
	f.Add([]byte{3, 10, 0, 0, 0, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{2, 10, 9, 9, 9})
	f.Add([]byte{0, 10, 0, 0, 0, 24, 4, 2, 32}, []byte{4, 0, 1})
	f.Add([]byte{1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 48, 5, 2, 128}, []byte{4, 0, 1})
	f.Add([]byte{1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 48, 5, 100, 64}, []byte{4, 0, 1})
	f.Add([]byte{0, 255, 255, 255, 255, 32, 0, 0, 0, 0, 0, 0}, []byte{4, 1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 128}, []byte{5, 0, 1})
	f.Fuzz(func(t *testing.T, entries, client []byte) {
		ps := fuzzPrefixes(entries)
		a := fuzzAddr(client, ps)
		r := model.AllowedRanges([]model.AllowList{{Entries: ps}}, nil)
		want := false
		for _, p := range r.Prefixes() {
			want = want || p.Contains(a.Unmap())
		}
		if got := r.Allows(a); got != want {
			t.Fatalf("Allows(%v) = %v over %v; Prefix.Contains says %v", a, got, ps, want)
		}
	})
}

// fuzzPrefixes reads prefixes from b: a kind byte (even: IPv4; odd: IPv6,
// IPv4-mapped when bit 1 is set too), the address, the length; or, with bit
// 2 of the kind set, a prefix near the end of the one before (a signed move
// from its last address, the length): touching, overlapping, a gap of one.
func fuzzPrefixes(b []byte) []netip.Prefix {
	var ps []netip.Prefix
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		switch {
		case kind&4 != 0 && len(ps) > 0 && len(b) >= 2:
			prev := ps[len(ps)-1]
			a := step(lastOf(prev), int(int8(b[0])))
			ps = append(ps, netip.PrefixFrom(a, int(b[1])%(a.BitLen()+1)))
			b = b[2:]
		case kind&1 == 0 && len(b) >= 5:
			ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte(b[:4])), int(b[4]%33)))
			b = b[5:]
		case kind&3 == 3 && len(b) >= 5:
			a := netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: b[0], 13: b[1], 14: b[2], 15: b[3]})
			ps = append(ps, netip.PrefixFrom(a, 96+int(b[4]%33)))
			b = b[5:]
		case kind&1 == 1 && len(b) >= 17:
			ps = append(ps, netip.PrefixFrom(netip.AddrFrom16([16]byte(b[:16])), int(b[16]%129)))
			b = b[17:]
		default:
			return ps
		}
	}
	return ps
}

// fuzzAddr reads a client address from b: 0 IPv4, 1 IPv6, 2 IPv4-mapped,
// 3 an entry's first address moved by a signed byte, 4 an entry's last
// address (or the one after it), 5 an IPv6 address with a zone.
func fuzzAddr(b []byte, ps []netip.Prefix) netip.Addr {
	if len(b) == 0 {
		return netip.Addr{}
	}
	mode, b := b[0]%6, b[1:]
	pad := func(n int) []byte { return append(slices.Clone(b), make([]byte, n)...)[:n] }
	switch {
	case mode == 0:
		return netip.AddrFrom4([4]byte(pad(4)))
	case mode == 1:
		return netip.AddrFrom16([16]byte(pad(16)))
	case mode == 2:
		v := pad(4)
		return netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: v[0], 13: v[1], 14: v[2], 15: v[3]})
	case mode == 5:
		return netip.AddrFrom16([16]byte(pad(16))).WithZone("eth0")
	case len(ps) == 0:
		return netip.Addr{}
	}
	v := pad(2)
	p := ps[int(v[0])%len(ps)].Masked()
	a := p.Addr()
	if mode == 4 {
		// The last address, or the one after it.
		last := lastOf(p)
		if v[1]&1 == 1 && last.Next().IsValid() {
			return last.Next()
		}
		return last
	}
	return step(a, int(int8(v[1])))
}

// lastOf is p's last address: every host bit set.
func lastOf(p netip.Prefix) netip.Addr {
	p = p.Masked()
	bs := p.Addr().AsSlice()
	for i := p.Bits(); i < p.Addr().BitLen(); i++ {
		bs[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(bs)
	return a
}

// step moves a by n addresses, stopping at either end.
func step(a netip.Addr, n int) netip.Addr {
	for ; n > 0 && a.Next().IsValid(); n-- {
		a = a.Next()
	}
	for ; n < 0 && a.Prev().IsValid(); n++ {
		a = a.Prev()
	}
	return a
}

// BenchmarkRangesAllows is the allow-list part of a check over a list of 20
// entries (10.0.0.0/24 … 10.0.19.0/24, one swapped for 172.16.0.0/24, as
// BenchmarkKeyCheck100k's), the client in the last: the compiled spans
// against the loop over the prefixes that they replaced.
//
//	go test -run X -bench RangesAllows ./model/
func BenchmarkRangesAllows(b *testing.B) {
	var entries []string
	for e := range 20 {
		entries = append(entries, fmt.Sprintf("10.0.%d.0/24", e))
	}
	entries[3] = "172.16.0.0/24"
	r := model.AllowedRanges([]model.AllowList{list("twenty", entries...)}, nil)
	const client = "10.0.19.1"
	b.Run("spans", func(b *testing.B) {
		for b.Loop() {
			if !r.Allows(model.ClientAddr(client)) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("prefix-loop", func(b *testing.B) {
		for b.Loop() {
			a, ok := model.ClientAddr(client).Unmap(), false
			for _, p := range r.Prefixes() {
				if p.Contains(a) {
					ok = true
					break
				}
			}
			if !ok {
				b.Fatal("refused")
			}
		}
	})
}
