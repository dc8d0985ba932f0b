package sshd

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// watch ends the connections (and with them the sessions) of members who were
// deactivated, removed, or lost the key they signed in with. It asks the store,
// not this process, so a change made through another server instance on the
// same database ends them here too. The backend's change feed says when a member
// changed anywhere (or that everything must be read again), and one query then
// covers every signed-in connection, with or without a session; the interval is
// the fallback for a feed that is cut.
func (s *Server) watch(ctx context.Context) {
	t := time.NewTicker(s.cfg.WatchInterval)
	defer t.Stop()
	notices := s.b.Subscribe(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-notices:
			if !ok {
				return
			}
			if n.Kind == store.NoticeMember || n.Kind == store.NoticeResync {
				s.checkConns(ctx)
			}
		case <-t.C:
			s.checkConns(ctx)
		}
	}
}

// checkConns compares every signed-in connection with the members as stored now.
func (s *Server) checkConns(ctx context.Context) {
	open := s.openConns()
	if len(open) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	members, err := s.b.AllMembers(qctx)
	if err != nil {
		// A store that can't answer ends nobody's session: the backend refuses
		// every action of a deactivated member anyway.
		s.log.Warn("ssh session check failed", "err", err)
		return
	}
	byID := make(map[string]model.Member, len(members))
	for _, m := range members {
		byID[m.ID] = m
	}
	for _, c := range open {
		m, fp, ok := c.identity()
		if !ok {
			continue // the handshake is finishing; next time
		}
		if why, reason := standing(byID, m.ID, fp); why != "" {
			c.revoke(why, reason)
		}
	}
}

// standing says whether a member may keep a session opened with the key of
// fingerprint fp, and if not, why and what to tell them.
func standing(byID map[string]model.Member, id, fp string) (why, reason string) {
	m, ok := byID[id]
	switch {
	case !ok:
		return endGone, "Your account no longer exists; this session has ended."
	case !m.Active():
		return endDeactivated, "Your account was deactivated; this session has ended."
	}
	for _, k := range m.SSHKeys {
		if k.Fingerprint == fp {
			return "", ""
		}
	}
	return endKeyRemoved, "The SSH key " + fp + " was removed from your account; this session has ended."
}
