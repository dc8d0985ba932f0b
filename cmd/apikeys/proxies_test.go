package main

import (
	"strings"
	"testing"
)

func TestParseProxies(t *testing.T) {
	ps, err := parseProxies([]string{"10.0.0.0/24, 10.0.1.5", "2001:db8::/32"})
	if err != nil || len(ps) != 3 || ps[1].String() != "10.0.1.5/32" {
		t.Fatalf("parseProxies = %v, %v", ps, err)
	}
	_, err = parseProxies([]string{"10.0.0.5/24"})
	if err == nil || !strings.Contains(err.Error(), "did you mean 10.0.0.0/24?") {
		t.Errorf("host bits: %v", err)
	}
}

// TestSSHProxyProtocolNeedsTrustedProxies: without a trusted proxy, every
// PROXY header would be refused and every connection would be served as its
// peer; the flag would silently do nothing.
func TestSSHProxyProtocolNeedsTrustedProxies(t *testing.T) {
	r := newCLI(t).run("serve", "--ssh-addr", "127.0.0.1:0", "--ssh-proxy-protocol")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--ssh-proxy-protocol needs --trusted-proxy") {
		t.Errorf("want a usage error naming --trusted-proxy:\n%s", r)
	}
}
