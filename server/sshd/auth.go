package sshd

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/pires/go-proxyproto"
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
	if errors.Is(err, proxyproto.ErrSuperfluousProxyHeader) {
		s.refused(RefusedProxyHeader)
	}
	s.log.Info("ssh connection failed", "remote", c.RemoteAddr().String(), "err", err)
}
