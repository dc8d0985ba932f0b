package model

import "time"

// AddressWindow is how far back a key's client addresses are kept and shown
// (SPEC §10: the distinct addresses of each key over 30 days).
const AddressWindow = 30 * 24 * time.Hour

// KeyAddress is one client address a key was used from over AddressWindow:
// how many uses were recorded from it (at most one a minute) and when.
type KeyAddress struct {
	KeyID     string
	Addr      string
	Uses      int64
	FirstSeen time.Time
	LastSeen  time.Time
}

// Refused is which of addrs a key under r would be refused from, in their
// order: the dry run of a narrowing change, by the very rule a check applies
// (Allows over the client address as a check reads it).
func (r Ranges) Refused(addrs []KeyAddress) []KeyAddress {
	var out []KeyAddress
	for _, a := range addrs {
		if !r.Allows(ClientAddr(a.Addr)) {
			out = append(out, a)
		}
	}
	return out
}
