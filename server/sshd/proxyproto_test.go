package sshd_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/sshd"
)

// The load balancer of these tests is 127.0.0.2: only it may send a PROXY
// header. 127.0.0.3 is a client that reaches the server around it.
const (
	balancerIP = "127.0.0.2"
	outsiderIP = "127.0.0.3"
)

// refusals counts what the server's Observer hears.
type refusals struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *refusals) ConnectionRefused(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n[reason]++
}

func (r *refusals) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[reason]
}

// startBehindBalancer serves with --ssh-proxy-protocol and 127.0.0.2/32 as
// the one trusted proxy.
func startBehindBalancer(t *testing.T, tune func(*sshd.Config)) (*testServer, *refusals) {
	t.Helper()
	obs := &refusals{n: map[string]int{}}
	trusted := netip.MustParsePrefix(balancerIP + "/32")
	ts := startServer(t, func(c *sshd.Config) {
		c.ProxyProtocol = true
		c.TrustedProxy = trusted.Contains
		c.Observer = obs
		if tune != nil {
			tune(c)
		}
	})
	return ts, obs
}

// v1Header is the text header a balancer writes for a client at src.
func v1Header(t *testing.T, src string) []byte {
	t.Helper()
	return header(t, 1, src)
}

func header(t *testing.T, version byte, src string) []byte {
	t.Helper()
	ap := netip.MustParseAddrPort(src)
	dst := netip.MustParseAddrPort("127.0.0.1:23234")
	proto := proxyproto.TCPv4
	if ap.Addr().Is6() {
		proto, dst = proxyproto.TCPv6, netip.MustParseAddrPort("[::1]:23234")
	}
	h := &proxyproto.Header{Version: version, Command: proxyproto.PROXY, TransportProtocol: proto,
		SourceAddr: net.TCPAddrFromAddrPort(ap), DestinationAddr: net.TCPAddrFromAddrPort(dst)}
	b, err := h.Format()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dialWithHeader connects from ip, writes hdr (if any) as a balancer would (in
// one write, before anything else), then signs in as id over that connection.
func dialWithHeader(ts *testServer, ip string, hdr []byte, id identity) (*gossh.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitTimeout}
	nc, err := d.Dial("tcp", ts.addr)
	if err != nil {
		return nil, err
	}
	if len(hdr) > 0 {
		if _, err := nc.Write(hdr); err != nil {
			nc.Close()
			return nil, err
		}
	}
	cc, chans, reqs, err := gossh.NewClientConn(nc, ts.addr, clientConfig(gossh.PublicKeys(id.signer)))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return gossh.NewClient(cc, chans, reqs), nil
}

// sessionAddresses are the remoteAddress of every SshSessionStarted, oldest first.
func sessionAddresses(t *testing.T, ts *testServer) []string {
	t.Helper()
	page, err := ts.ownerSession().ListEvents(context.Background(), backend.EventFilter{Types: []model.EventType{model.EventSshSessionStarted}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		p, err := model.DecodePayload(page.Events[i].Type, page.Events[i].Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.(model.SshSessionStartedPayload).RemoteAddress)
	}
	return out
}

func TestProxyHeaderFromTrustedProxyNamesTheClient(t *testing.T) {
	ts, _ := startBehindBalancer(t, nil)
	for _, tc := range []struct {
		name    string
		version byte
		client  string
		want    string
	}{
		{"v1 TCP4", 1, "203.0.113.7:40001", "203.0.113.7"},
		{"v2 TCP6", 2, "[2001:db8::7]:40002", "2001:db8::7"},
		{"v2 TCP4", 2, "198.51.100.9:40003", "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialWithHeader(ts, balancerIP, header(t, tc.version, tc.client), ts.ownerID)
			if err != nil {
				t.Fatalf("sign-in through the balancer: %v", err)
			}
			defer c.Close()
			if _, _, code := ts.run(c, "whoami"); code != 0 {
				t.Fatalf("whoami: exit %d", code)
			}
			addrs := sessionAddresses(t, ts)
			if got := addrs[len(addrs)-1]; got != tc.want {
				t.Errorf("SshSessionStarted remoteAddress %q, want the header's %q (all: %q)", got, tc.want, addrs)
			}
			// The session log names the client, and the balancer beside it.
			logs := ts.logs.String()
			if !strings.Contains(logs, `"remote":"`+tc.client+`"`) || !strings.Contains(logs, `"proxy":"`+balancerIP+`:`) {
				t.Errorf("the session log lacks remote %s via proxy %s:\n%s", tc.client, balancerIP, logs)
			}
		})
	}
}

// TestProxyHeaderFromAnyoneElseIsRefused: a client that reaches the server
// around the balancer may not say where it is from; without a header it is
// served as itself.
func TestProxyHeaderFromAnyoneElseIsRefused(t *testing.T) {
	ts, obs := startBehindBalancer(t, nil)
	for version := byte(1); version <= 2; version++ {
		if c, err := dialWithHeader(ts, outsiderIP, header(t, version, "203.0.113.7:40001"), ts.ownerID); err == nil {
			c.Close()
			t.Fatalf("a v%d header from %s, not a trusted proxy, was accepted", version, outsiderIP)
		}
	}
	eventually(t, "both refusals to be counted", func() bool { return obs.count(sshd.RefusedProxyHeader) == 2 })
	c, err := dialSSHFrom(ts, outsiderIP, ts.ownerID)
	if err != nil {
		t.Fatalf("plain sign-in from %s: %v", outsiderIP, err)
	}
	defer c.Close()
	if _, _, code := ts.run(c, "whoami"); code != 0 {
		t.Fatalf("whoami: exit %d", code)
	}
	if got := sessionAddresses(t, ts); len(got) != 1 || got[0] != outsiderIP {
		t.Errorf("SshSessionStarted addresses %q, want only the peer's [%s]", got, outsiderIP)
	}
}

// TestTrustedProxyMustSendAValidHeader: from the balancer, a connection with
// no header, a malformed one or one too big is closed before the server says
// anything (not even its version), and counted.
func TestTrustedProxyMustSendAValidHeader(t *testing.T) {
	ts, obs := startBehindBalancer(t, nil)
	v2 := header(t, 2, "198.51.100.9:40003")
	tooLong := bytes.Clone(v2)
	binary.BigEndian.PutUint16(tooLong[14:16], 60000) // over the library's 4096-byte bound
	tooLong = append(tooLong, make([]byte, 8192)...)
	udp := bytes.Clone(v2)
	udp[13] = byte(proxyproto.UDPv4)
	for i, tc := range []struct {
		name string
		hdr  []byte
	}{
		{"none: the client's version first", []byte("SSH-2.0-OpenSSH_9.6\r\n")},
		{"v1 longer than 107 bytes", []byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 23234 " + strings.Repeat("x", 200) + "\r\n")},
		{"v1 not an address", []byte("PROXY TCP4 203.0.113.999 127.0.0.1 40001 23234\r\n")},
		{"v1 without CRLF", []byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 23234\n")},
		{"v1 unknown protocol", []byte("PROXY UDP4 203.0.113.7 127.0.0.1 40001 23234\r\n")},
		{"v2 length over the bound", tooLong},
		{"v2 UDP client", udp},
		{"v2 bad version nibble", append(append(bytes.Clone(v2[:12]), 0x31), v2[13:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := dialFrom(t, ts, balancerIP)
			if _, err := nc.Write(tc.hdr); err != nil {
				t.Fatal(err)
			}
			if line := waitClosed(t, nc); line != "" {
				t.Errorf("the server answered %q; want it closed unanswered", line)
			}
			eventually(t, "the refusal to be counted", func() bool { return obs.count(sshd.RefusedProxyHeader) == i+1 })
		})
	}
	if _, err := ts.dial(ts.ownerID); err != nil {
		t.Logf("127.0.0.1 is not a trusted proxy here: %v", err)
		t.Error("a plain client from an untrusted address was refused")
	}
	if got := sessionAddresses(t, ts); len(got) != 0 {
		t.Errorf("SshSessionStarted recorded for %q", got)
	}
}

// TestProxyHeaderIsUnderTheLoginGrace: a balancer connection that never
// finishes its header is cut at the login grace (it holds no place meanwhile),
// as is one that sends the header and then never signs in, and one from
// elsewhere that sends nothing.
func TestProxyHeaderIsUnderTheLoginGrace(t *testing.T) {
	ts, obs := startBehindBalancer(t, func(c *sshd.Config) { c.LoginGrace = 200 * time.Millisecond })
	for _, tc := range []struct {
		name, from string
		sent       []byte
	}{
		{"balancer sends nothing", balancerIP, nil},
		{"balancer stops inside a v2 header", balancerIP, header(t, 2, "198.51.100.9:40003")[:20]},
		{"balancer sends a header, no handshake", balancerIP, v1Header(t, "203.0.113.7:40001")},
		{"outsider sends nothing", outsiderIP, nil},
		{"outsider stops inside the v2 signature", outsiderIP, []byte("\r\n\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := dialFrom(t, ts, tc.from)
			if _, err := nc.Write(tc.sent); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, nc)
		})
	}
	if n := obs.count(sshd.RefusedProxyHeader); n != 2 {
		t.Errorf("%d connections counted as refused for their header, want the balancer's 2", n)
	}
	eventually(t, "no connection to be left pending", func() bool { _, p := ts.srv.Connections(); return p == 0 })
}

// TestLimitsCountTheClientTheHeaderNames: behind one balancer, each client
// has its own place in the per-address caps; the balancer's address is not
// what they count.
func TestLimitsCountTheClientTheHeaderNames(t *testing.T) {
	t.Run("waiting to sign in", func(t *testing.T) {
		ts, _ := startBehindBalancer(t, func(c *sshd.Config) {
			c.MaxPendingPerAddr = 1
			c.LoginGrace = time.Hour
		})
		held := dialFrom(t, ts, balancerIP)
		held.Write(v1Header(t, "203.0.113.7:40001"))
		eventually(t, "the first to be pending", func() bool { _, p := ts.srv.Connections(); return p == 1 })
		again := dialFrom(t, ts, balancerIP)
		again.Write(v1Header(t, "203.0.113.7:40002"))
		if line := waitClosed(t, again); !strings.Contains(line, "too many connections from 203.0.113.7 waiting to sign in") {
			t.Errorf("the second from the same client was told %q", line)
		}
		other, err := dialWithHeader(ts, balancerIP, v1Header(t, "203.0.113.8:40001"), ts.ownerID)
		if err != nil {
			t.Fatalf("another client behind the same balancer: %v", err)
		}
		other.Close()
	})
	t.Run("connection rate", func(t *testing.T) {
		ts, _ := startBehindBalancer(t, func(c *sshd.Config) { c.PerAddrRate = 1 })
		first, err := dialWithHeader(ts, balancerIP, v1Header(t, "203.0.113.7:40001"), ts.ownerID)
		if err != nil {
			t.Fatal(err)
		}
		first.Close()
		var banner string
		cfg := clientConfig(gossh.PublicKeys(ts.ownerID.signer))
		cfg.BannerCallback = func(msg string) error { banner = msg; return nil }
		nc := dialFrom(t, ts, balancerIP)
		nc.Write(v1Header(t, "203.0.113.7:40002"))
		if _, _, _, err := gossh.NewClientConn(nc, ts.addr, cfg); err == nil {
			t.Fatal("a second connection within the minute was let in with a limit of 1")
		}
		if !strings.Contains(banner, "too many connections from 203.0.113.7 (at most 1 a minute)") {
			t.Errorf("banner %q does not name the client", banner)
		}
		other, err := dialWithHeader(ts, balancerIP, v1Header(t, "203.0.113.8:40001"), ts.ownerID)
		if err != nil {
			t.Fatalf("another client behind the same balancer: %v", err)
		}
		other.Close()
	})
}

// TestLocalHeaderKeepsTheBalancersAddress: a v2 LOCAL header is the balancer's
// own connection (a health check): it is served as the balancer.
func TestLocalHeaderKeepsTheBalancersAddress(t *testing.T) {
	ts, _ := startBehindBalancer(t, nil)
	local, err := (&proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}).Format()
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialWithHeader(ts, balancerIP, local, ts.ownerID)
	if err != nil {
		t.Fatalf("a LOCAL header: %v", err)
	}
	defer c.Close()
	ts.run(c, "whoami")
	if got := sessionAddresses(t, ts); len(got) != 1 || got[0] != balancerIP {
		t.Errorf("SshSessionStarted addresses %q, want [%s]", got, balancerIP)
	}
}

func TestProxyProtocolNeedsTrustedProxies(t *testing.T) {
	ts := startServer(t, nil)
	_, err := sshd.New(sshd.Config{Backend: ts.b, HostKeyPath: t.TempDir() + "/k", TUI: standInTUI(0), Command: standInCommand, ProxyProtocol: true})
	if err == nil {
		t.Error("ProxyProtocol without TrustedProxy was accepted")
	}
}
