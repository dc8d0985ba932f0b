package sshd

import (
	"context"
	"net"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/model"
)

type ctxKey struct{ name string }

var (
	ctxRefusal     = &ctxKey{"refusal"}     // string: why this connection may not sign in
	ctxMember      = &ctxKey{"member"}      // model.Member the session's key belongs to
	ctxFingerprint = &ctxKey{"fingerprint"} // SHA256 fingerprint of the key used
)

// acceptedKey is the context key under which publicKey leaves the member it
// found for the key of this fingerprint, so that the session handler need not
// read them again a moment later.
type acceptedKey struct{ fingerprint string }

// MemberFrom returns the member a session's context carries (set once the
// session's key has been matched to an active member).
func MemberFrom(ctx context.Context) (model.Member, bool) {
	m, ok := ctx.Value(ctxMember).(model.Member)
	return m, ok
}

// FingerprintFrom returns the SHA256 fingerprint of the key the session signed in
// with.
func FingerprintFrom(ctx context.Context) (string, bool) {
	fp, ok := ctx.Value(ctxFingerprint).(string)
	return fp, ok
}

// connCallback admits a new TCP connection: within the connection cap and the
// per-address rate, with a deadline for authenticating. Returning nil closes it.
func (s *Server) connCallback(ctx ssh.Context, c net.Conn) net.Conn {
	addr := c.RemoteAddr().String()
	if n := s.conns.Add(1); n > s.maxConns {
		s.conns.Add(-1)
		s.refused(RefusedTooManyConnections)
		s.log.Warn("ssh connection refused: too many open connections", "remote", addr, "limit", s.maxConns)
		return nil
	}
	if s.limiter != nil {
		switch v, wait := s.limiter.allow(addrKey(c.RemoteAddr()), time.Now()); v {
		case limited:
			// Let the handshake finish so the client can be told why; the
			// banner says it and authentication is then refused.
			ctx.SetValue(ctxRefusal, rateMessage(c.RemoteAddr(), s.cfg.PerAddrRate, wait))
			s.refused(RefusedRateLimited)
			s.log.Warn("ssh connection rate limited", "remote", addr, "limit_per_minute", s.cfg.PerAddrRate)
		case dropped:
			s.conns.Add(-1)
			s.refused(RefusedFlood)
			return nil
		}
	}
	go func() {
		t := time.NewTimer(s.cfg.LoginGrace)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			// The library sets the connection in the context once the
			// handshake, authentication included, has succeeded.
			if ctx.Value(ssh.ContextKeyConn) == nil {
				s.log.Info("ssh connection closed: no sign-in in time", "remote", addr, "grace", s.cfg.LoginGrace)
				c.Close()
			}
			<-ctx.Done()
		}
		s.conns.Add(-1)
	}()
	return c
}

// banner is shown before authentication; it carries a refusal, if any, so that a
// rate-limited client learns why it is turned away.
func (s *Server) banner(ctx ssh.Context) string {
	if msg, ok := ctx.Value(ctxRefusal).(string); ok {
		return msg
	}
	return ""
}

// publicKey accepts a key that belongs to an active member. A client may offer
// several keys; the session handler takes the member found here for the one the
// client actually proved, which is the one the library hands it.
func (s *Server) publicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, refused := ctx.Value(ctxRefusal).(string); refused {
		return false
	}
	fp := gossh.FingerprintSHA256(key)
	lookup, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := s.b.MemberBySSHKey(lookup, fp)
	if err != nil {
		lvl := "unknown or deactivated"
		if model.KindOf(err) != model.KindUnauthenticated {
			lvl = "lookup failed"
			s.log.Error("ssh key lookup failed", "remote", ctx.RemoteAddr().String(), "fingerprint", fp, "err", err)
		}
		s.log.Info("ssh key refused", "remote", ctx.RemoteAddr().String(), "user", model.Sanitize(ctx.User()), "fingerprint", fp, "reason", lvl)
		return false
	}
	ctx.SetValue(acceptedKey{fp}, m)
	s.log.Debug("ssh key accepted", "remote", ctx.RemoteAddr().String(), "fingerprint", fp, "member", m.ID)
	return true
}

// connFailed logs a connection that ended before a session could start: a failed
// handshake or authentication.
func (s *Server) connFailed(c net.Conn, err error) {
	s.log.Info("ssh connection failed", "remote", c.RemoteAddr().String(), "err", err)
}
