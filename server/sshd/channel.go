package sshd

import (
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Per-channel bounds on what a client may send before its session starts.
const (
	// maxEnv is how many environment variables a session keeps; maxEnvBytes
	// bounds one (name and value). TERM, LANG, LC_*, COLORTERM and NO_COLOR are
	// all the TUI reads.
	maxEnv      = 64
	maxEnvBytes = 4096
	// maxPtyReq bounds a pty-req: TERM, four sizes and the terminal modes,
	// which are a few hundred bytes from a real client.
	maxPtyReq = 4096
)

// sessionChannel opens a session channel: within the connection's channel cap,
// for a member who is still active and still holds the key, with every request
// the client sends on it checked first (see guard).
func (s *Server) sessionChannel(srv *ssh.Server, sc *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	c := connFrom(ctx)
	if c == nil {
		_ = nc.Reject(gossh.Prohibited, "no such connection")
		return
	}
	if !c.openChannel(s.cfg.MaxChannelsPerConn) {
		_ = nc.Reject(gossh.ResourceShortage, channelCapMessage(s.cfg.MaxChannelsPerConn))
		return
	}
	defer c.closeChannel()
	_, _, why, reason, err := c.recheck(ctx)
	switch {
	case why != "":
		_ = nc.Reject(gossh.Prohibited, reason)
		c.revoke(why, reason)
		return
	case err != nil:
		s.log.Error("ssh member check failed", "remote", c.remote, "err", err)
		_ = nc.Reject(gossh.ConnectionFailed, "the server could not check your account; try again shortly")
		return
	}
	ssh.DefaultSessionHandler(srv, sc, guardedChannel{nc}, ctx)
}

// guardedChannel is a new session channel whose requests pass through guard
// before the SSH library acts on them.
type guardedChannel struct{ gossh.NewChannel }

func (g guardedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := g.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		var st guardState
		for req := range reqs {
			if st.pass(req) {
				out <- req
			} else if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}()
	return ch, out, nil
}

// guardState is what guard remembers about one channel.
type guardState struct{ env int }

// pass checks one channel request, rewriting terminal sizes to their clamped
// values; false refuses it.
func (st *guardState) pass(req *gossh.Request) bool {
	switch req.Type {
	case "pty-req":
		p, ok := clampPtyRequest(req.Payload)
		req.Payload = p
		return ok
	case "window-change":
		p, ok := clampWindowChange(req.Payload)
		req.Payload = p
		return ok
	case "env":
		if st.env >= maxEnv || len(req.Payload) > maxEnvBytes {
			return false
		}
		st.env++
	}
	return true
}

type ptyRequest struct {
	Term                 string
	Cols, Rows, Wpx, Hpx uint32
	Modes                string
}

type windowChange struct{ Cols, Rows, Wpx, Hpx uint32 }

// clampPtyRequest re-encodes a pty-req with its size clamped (a missing size
// becomes 80×24); false for one that doesn't parse or is too big.
func clampPtyRequest(payload []byte) ([]byte, bool) {
	var p ptyRequest
	if len(payload) > maxPtyReq || gossh.Unmarshal(payload, &p) != nil {
		return nil, false
	}
	w, ok := clampWindow(p.Cols, p.Rows, p.Wpx, p.Hpx)
	if !ok {
		w = defaultWindow
	}
	p.Cols, p.Rows, p.Wpx, p.Hpx = uint32(w.Width), uint32(w.Height), uint32(w.WidthPixels), uint32(w.HeightPixels)
	return gossh.Marshal(&p), true
}

// clampWindowChange re-encodes a window-change with its size clamped; false for
// one that doesn't parse or has no size, which is then ignored.
func clampWindowChange(payload []byte) ([]byte, bool) {
	var wc windowChange
	if gossh.Unmarshal(payload, &wc) != nil {
		return nil, false
	}
	w, ok := clampWindow(wc.Cols, wc.Rows, wc.Wpx, wc.Hpx)
	if !ok {
		return nil, false
	}
	wc = windowChange{uint32(w.Width), uint32(w.Height), uint32(w.WidthPixels), uint32(w.HeightPixels)}
	return gossh.Marshal(&wc), true
}
