package model_test

import (
	"net/netip"
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
