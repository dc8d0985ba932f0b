package model

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// AllowList is a named set of IPv4 and IPv6 ranges that keys can be linked to
// (SPEC §10). Entries are normalised prefixes (a single address is a /32 or a
// /128), in the order they were given, without repeats.
type AllowList struct {
	ID          string
	Name        string
	Description string
	Entries     []netip.Prefix
	Default     bool // the workspace's default list: applies to every key with no list of its own
	CreatedAt   time.Time
	CreatedBy   string
	UpdatedAt   time.Time
	Version     int64
}

// Limits of an allow list.
const (
	MaxAllowListEntries     = 1000
	MaxAllowListDescription = 200
)

// ParseEntry reads one allow-list entry: an IPv4 or IPv6 address or CIDR range.
// An address becomes its /32 or /128; an IPv4-mapped IPv6 range becomes the IPv4
// range it maps (clients are compared as IPv4, see ClientAddr). A range with
// host bits set is refused with the range it probably meant.
func ParseEntry(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Prefix{}, Invalid("entry", "An entry is required: an address such as 203.0.113.9 or a range such as 198.51.100.0/24.")
	}
	if len(s) > 64 {
		return netip.Prefix{}, Invalid("entry", "%s is not an IP address or CIDR range.", Quote(s[:16]+"…"))
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, Invalid("entry", "%s is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48).", Quote(s))
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, Invalid("entry", "%s is not an IP address or CIDR range (e.g. 198.51.100.0/24 or 2001:db8::/48).", Quote(s))
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, Invalid("entry", "%s has host bits set; did you mean %s?", s, m)
	}
	// A masked IPv4-mapped prefix is at least a /96: shorter ones have host
	// bits in the ::ffff: part and were refused above.
	if a := p.Addr(); a.Is4In6() {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

// ParseEntries reads entries with ParseEntry and drops repeats, keeping the
// first of each.
func ParseEntries(ss []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		p, err := ParseEntry(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// ValidateAllowList checks a list as it would be stored: a key-like name (1 to
// 64 printable characters), a short description, 1 to MaxAllowListEntries
// entries. It returns the list with name and description trimmed.
func ValidateAllowList(l AllowList) (AllowList, error) {
	name, err := ValidateName(l.Name)
	if err != nil {
		return l, err
	}
	desc, err := ValidateWebhookDescription(l.Description)
	if err != nil {
		return l, err
	}
	switch {
	case len(l.Entries) == 0:
		return l, Invalid("entry", "A list needs at least one entry; to stop restricting its keys, unlink them or delete the list.")
	case len(l.Entries) > MaxAllowListEntries:
		return l, Invalid("entry", "A list holds at most %d entries.", MaxAllowListEntries)
	}
	l.Name, l.Description = name, desc
	return l, nil
}

// EntryStrings is entries as text, for payloads and listings.
func EntryStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// ClientAddr reads a client address ("203.0.113.9", "[2001:db8::1]:443",
// "::ffff:10.0.0.1"), an IPv4-mapped IPv6 address read as the IPv4 address, a
// zone dropped. The zero Addr (not valid) when s is none of these.
func ClientAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}
