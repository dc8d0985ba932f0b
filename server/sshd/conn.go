package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/ratelimit"
)

// conn is one TCP connection from accept to close. Before sign-in it holds a
// place in the admission count and has LoginGrace to authenticate; after, it
// is on the server's list of connections that the session watch checks, and it
// closes once it has had no running session for NoSessionTimeout.
type conn struct {
	s      *Server
	nc     net.Conn
	ctx    ssh.Context
	key    ratelimit.Key
	remote string // the client's address: the peer's, or the one its PROXY header names
	proxy  string // the trusted proxy's address, when remote came from its header

	mu       sync.Mutex
	state    connState
	grace    *time.Timer // pending: closes the connection at LoginGrace
	idle     *time.Timer // signed in with no session: closes it at NoSessionTimeout
	idleGen  int         // which arming of idle may still fire
	channels int         // session channels open
	live     map[*session]struct{}
	revoked  string // why the member may no longer be connected (end* constant)
	member   model.Member
	fp       string
}

type connState int

const (
	pending connState = iota
	signedIn
	closed
)

var ctxConn = &ctxKey{"conn"} // *conn

func connFrom(ctx context.Context) *conn {
	c, _ := ctx.Value(ctxConn).(*conn)
	return c
}

// connCallback admits a new TCP connection, or closes it: within the address's
// connection rate, its cap of unauthenticated connections, and the server-wide
// early drop. Returning nil closes it.
func (s *Server) connCallback(ctx ssh.Context, raw net.Conn) net.Conn {
	graceEnds := time.Now().Add(s.cfg.LoginGrace)
	nc, client, viaProxy, err := s.proxied(raw, graceEnds)
	if err != nil {
		s.refused(RefusedProxyHeader)
		if time.Now().After(graceEnds) {
			err = errors.New("no PROXY header within the login grace")
		}
		s.log.Warn("ssh connection closed: no valid PROXY header from a trusted proxy", "proxy", raw.RemoteAddr().String(), "err", err)
		return nil
	}
	key := ratelimit.KeyOfAddr(client)
	remote := client.String()
	var refusal string
	if s.connRate != nil {
		if ok, wait := s.connRate.Allow(key); !ok {
			// Up to a second rate's worth of refusals are told why, which costs
			// a handshake; beyond that the address is far over and not worth one.
			if told, _ := s.rateNotices.Allow(key); !told {
				s.refused(RefusedFlood)
				return nil
			}
			s.refused(RefusedRateLimited)
			refusal = rateMessage(client, s.cfg.PerAddrRate, wait)
			s.log.Warn("ssh connection rate limited", "remote", remote, "limit_per_minute", s.cfg.PerAddrRate)
		}
	}
	if reason, why := s.admission.admit(key); why != "" {
		s.refused(reason)
		s.log.Warn("ssh connection dropped before sign-in", "remote", remote, "reason", why)
		// Written past the proxy header (read already, or refused later).
		tellAndClose(raw, "apikeys: "+why)
		return nil
	}
	c := &conn{s: s, nc: nc, ctx: ctx, key: key, remote: remote, live: map[*session]struct{}{}}
	if viaProxy {
		c.proxy = raw.RemoteAddr().String()
	}
	if refusal != "" {
		ctx.SetValue(ctxRefusal, refusal)
	}
	ctx.SetValue(ctxConn, c)
	// The grace counts from the accept: a proxy header took part of it.
	c.grace = time.AfterFunc(time.Until(graceEnds), c.graceExpired)
	// The library cancels the context when the connection closes, however it
	// closes; no goroutine waits for it meanwhile.
	context.AfterFunc(ctx, c.closed)
	return nc
}

// tellAndClose writes one line where the SSH version would go (clients show
// such lines: OpenSSH's "banner line 0: …") and closes the connection. It
// first reads what the client sent (its version line), briefly: closing a
// socket with unread input resets it, and the client would show "connection
// reset" instead of the line.
func tellAndClose(nc net.Conn, line string) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := nc.Write([]byte(line + "\r\n")); err != nil {
		return
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(nc, 4096))
}

// serverConfig is the x/crypto configuration of one connection; its auth log
// says when the connection has signed in.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if c := connFrom(ctx); c != nil && err == nil {
				c.signedIn()
			}
		},
	}
}

func (c *conn) graceExpired() {
	c.mu.Lock()
	expired := c.state == pending
	c.mu.Unlock()
	if expired {
		c.s.log.Info("ssh connection closed: no sign-in in time", "remote", c.remote, "grace", c.s.cfg.LoginGrace)
		c.nc.Close()
	}
}

// signedIn moves the connection from the admission count to the list of
// signed-in connections.
func (c *conn) signedIn() {
	c.mu.Lock()
	if c.state != pending {
		c.mu.Unlock()
		return
	}
	c.state = signedIn
	c.grace.Stop()
	c.armIdle()
	c.mu.Unlock()
	c.s.admission.release(c.key)
	c.s.addConn(c)
}

// closed runs once the connection is gone, whatever closed it.
func (c *conn) closed() {
	c.mu.Lock()
	was := c.state
	c.state = closed
	c.grace.Stop()
	if c.idle != nil {
		c.idle.Stop()
	}
	c.mu.Unlock()
	switch was {
	case pending:
		c.s.admission.release(c.key)
	case signedIn:
		c.s.removeConn(c)
	}
}

// armIdle starts the no-session clock (called with c.mu held).
func (c *conn) armIdle() {
	if c.idle != nil {
		c.idle.Stop()
	}
	c.idleGen++
	gen := c.idleGen
	c.idle = time.AfterFunc(c.s.cfg.NoSessionTimeout, func() { c.idleExpired(gen) })
}

func (c *conn) idleExpired(gen int) {
	c.mu.Lock()
	expired := c.state == signedIn && len(c.live) == 0 && gen == c.idleGen
	c.mu.Unlock()
	if expired {
		c.s.log.Info("ssh connection closed: no session", "remote", c.remote, "after", c.s.cfg.NoSessionTimeout)
		c.nc.Close()
	}
}

// identity is the member and key fingerprint the connection signed in with,
// as last checked against the store.
func (c *conn) identity() (model.Member, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fp == "" {
		// The library stores the key the client proved once the handshake is
		// over, a moment after signedIn.
		key, ok := c.ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey)
		if !ok {
			return model.Member{}, "", false
		}
		c.fp = gossh.FingerprintSHA256(key)
		c.member, _ = c.ctx.Value(acceptedKey{c.fp}).(model.Member)
	}
	return c.member, c.fp, true
}

// recheck reads the member of the connection's key from the store again: a
// session or channel opens only for a member who is still active and still
// holds the key. why is set when the connection must end; err when the store
// could not answer.
func (c *conn) recheck(ctx context.Context) (m model.Member, fp, why, reason string, err error) {
	_, fp, ok := c.identity()
	if !ok {
		return model.Member{}, "", endGone, "Sign in with an SSH key.", nil
	}
	c.mu.Lock()
	why = c.revoked
	c.mu.Unlock()
	if why != "" {
		return model.Member{}, fp, why, "This connection has ended.", nil
	}
	lookup, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err = c.s.b.MemberBySSHKey(lookup, fp)
	switch {
	case err == nil:
		c.mu.Lock()
		c.member = m
		c.mu.Unlock()
		return m, fp, "", "", nil
	case model.KindOf(err) == model.KindUnauthenticated:
		return model.Member{}, fp, endDeactivated, model.Sanitize(err.Error()), nil
	}
	return model.Member{}, fp, "", "", err
}

// startSession counts a running session; false if the connection is ending.
func (c *conn) startSession(ls *session) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.revoked != "" || c.state != signedIn {
		return false
	}
	c.live[ls] = struct{}{}
	c.idleGen++ // a session is running: the no-session clock stops
	return true
}

// endSession is called once a session's handler has sent its exit status.
func (c *conn) endSession(ls *session) {
	c.mu.Lock()
	delete(c.live, ls)
	last := len(c.live) == 0
	revoked := c.revoked != ""
	if last && c.state == signedIn && !revoked {
		c.armIdle()
	}
	c.mu.Unlock()
	if last && revoked {
		c.nc.Close()
	}
}

// revoke ends the connection because its member or key is no longer allowed:
// every session is told reason and ended, then the connection closes.
func (c *conn) revoke(why, reason string) {
	c.mu.Lock()
	if c.revoked != "" || c.state == closed {
		c.mu.Unlock()
		return
	}
	c.revoked = why
	open := make([]*session, 0, len(c.live))
	for ls := range c.live {
		open = append(open, ls)
	}
	c.mu.Unlock()
	c.s.log.Info("ssh connection ending", "remote", c.remote, "why", why, "sessions", len(open))
	if len(open) == 0 {
		c.nc.Close()
		return
	}
	for _, ls := range open {
		ls.end(why, reason)
	}
	// Sessions close the connection as the last one exits; this is the backstop
	// for one that doesn't wind down.
	time.AfterFunc(2*forceCloseAfter, func() { c.nc.Close() })
}

// openChannel counts a new session channel, within max per connection.
func (c *conn) openChannel(max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.channels >= max {
		return false
	}
	c.channels++
	return true
}

func (c *conn) closeChannel() {
	c.mu.Lock()
	c.channels--
	c.mu.Unlock()
}

func (s *Server) addConn(c *conn) {
	s.mu.Lock()
	s.signedIn[c] = struct{}{}
	s.mu.Unlock()
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.signedIn, c)
	s.mu.Unlock()
}

// openConns lists the signed-in connections.
func (s *Server) openConns() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.signedIn))
	for c := range s.signedIn {
		out = append(out, c)
	}
	return out
}

// Connections is how many connections are open now: signed in, and pending.
func (s *Server) Connections() (signedIn, pending int) {
	s.mu.Lock()
	signedIn = len(s.signedIn)
	s.mu.Unlock()
	return signedIn, s.admission.count()
}

func channelCapMessage(n int) string {
	return fmt.Sprintf("at most %d sessions at once on one connection", n)
}
