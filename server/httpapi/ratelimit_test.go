package httpapi

import "testing"

// The limiter itself is tested in package ratelimit; this is the HTTP side's
// reading of a remote address (429s and Retry-After are tested with the server).
func TestClientKey(t *testing.T) {
	tests := []struct {
		remote string
		want   string
	}{
		{"192.0.2.7:4242", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:4242", "192.0.2.7"}, // IPv4-mapped counts as IPv4
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::"}, // same /64, same client
		{"[fe80::1%eth0]:80", "fe80::"},
		{"[::1]:80", "::"},
		{"192.0.2.7", "192.0.2.7"},
		{"@", "::"}, // a Unix socket: all together
	}
	for _, tt := range tests {
		if got := clientKey(remoteIP(tt.remote)).String(); got != tt.want {
			t.Errorf("clientKey(%q) = %s, want %s", tt.remote, got, tt.want)
		}
	}
}
