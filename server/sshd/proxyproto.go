package sshd

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/pires/go-proxyproto"
)

// errNotTCP refuses a PROXY header that names something other than a TCP
// client (a UDP or Unix address): an SSH client is neither.
var errNotTCP = errors.New("the PROXY header names no TCP client address")

// proxied applies Config.ProxyProtocol to a new connection, and says which
// client it is from. From a trusted proxy the PROXY header (v1 or v2) must come
// first: it is read now, before the connection is admitted (admission counts
// the client the header names), within the time left until deadline, the end
// of the login grace; the connection returned reports that client as its
// RemoteAddr, which is what sessions, their audit event and logs see. A LOCAL
// header (the balancer's own health check) keeps the proxy's address. No
// valid header in time: err, and the connection must be closed.
//
// From anyone else the client is the peer, and the connection refuses a
// header: its first read or write (the handshake's) fails on one, which
// closes it. That is checked lazily, in the handshake, so that such a
// connection is admitted, counted and cut at the login grace like any other
// before anything of it is read. (Asking that connection its RemoteAddr would
// read it now: client is the peer's, taken from nc.)
func (s *Server) proxied(nc net.Conn, deadline time.Time) (out net.Conn, client net.Addr, viaProxy bool, err error) {
	if !s.cfg.ProxyProtocol {
		return nc, nc.RemoteAddr(), false, nil
	}
	if !s.cfg.TrustedProxy(peerAddr(nc)) {
		// The login grace closes a client that never speaks; no header
		// deadline of its own.
		return proxyproto.NewConn(nc, proxyproto.WithPolicy(proxyproto.REJECT), proxyproto.SetReadHeaderTimeout(0)), nc.RemoteAddr(), false, nil
	}
	pc := proxyproto.NewConn(nc, proxyproto.WithPolicy(proxyproto.REQUIRE),
		proxyproto.ValidateHeader(tcpClient), proxyproto.SetReadHeaderTimeout(max(time.Until(deadline), time.Nanosecond)))
	if pc.ProxyHeader() == nil {
		// REQUIRE: no header means none came in time, or it was malformed or
		// refused. Read returns that error, having read nothing else.
		_, err := pc.Read(nil)
		return nil, nil, true, err
	}
	return pc, pc.RemoteAddr(), true, nil
}

// tcpClient is the Validator of a trusted proxy's header.
func tcpClient(h *proxyproto.Header) error {
	if h.Command.IsLocal() {
		return nil
	}
	if _, _, ok := h.TCPAddrs(); !ok {
		return errNotTCP
	}
	return nil
}

// peerAddr is the IP address of a connection's TCP peer; invalid for anything
// else (which no proxy range contains).
func peerAddr(nc net.Conn) netip.Addr {
	if tcp, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		return tcp.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}
