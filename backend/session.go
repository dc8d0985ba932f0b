package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Session is the backend bound to one acting member and the source of their
// actions (cli, tui, ssh). Every method re-reads the member, so a changed account
// type or a deactivation applies at once. It implements client.Client.
type Session struct {
	b        *Backend
	memberID string
	source   model.Source
}

// SessionFor binds a member, named by id or email, who must be active.
func (b *Backend) SessionFor(ctx context.Context, member string, src model.Source) (*Session, error) {
	m, err := resolveMember(ctx, b.store, member)
	if err != nil {
		return nil, err
	}
	if !m.Active() {
		return nil, model.Unauthenticated("%s's account is deactivated.", model.Sanitize(m.Email))
	}
	return &Session{b: b, memberID: m.ID, source: src}, nil
}

// resolveMember finds a member by email (anything with an @) or id.
func resolveMember(ctx context.Context, r store.Reader, ref string) (model.Member, error) {
	ref = strings.TrimSpace(ref)
	var (
		m   model.Member
		err error
	)
	if strings.Contains(ref, "@") {
		m, err = r.MemberByEmail(ctx, strings.ToLower(ref))
	} else {
		m, err = r.Member(ctx, ref)
	}
	if errors.Is(err, model.ErrNotFound) {
		return model.Member{}, model.NotFound("No member %s in this workspace.", model.Quote(ref))
	}
	return m, err
}

// actor re-reads the acting member, who must still be active.
func (s *Session) actor(ctx context.Context, r store.Reader) (model.Member, error) {
	m, err := r.Member(ctx, s.memberID)
	if errors.Is(err, model.ErrNotFound) {
		return model.Member{}, model.Unauthenticated("Your account no longer exists.")
	}
	if err != nil {
		return model.Member{}, err
	}
	if !m.Active() {
		return model.Member{}, model.Unauthenticated("Your account is deactivated.")
	}
	return m, nil
}

// require re-reads the actor and checks one permission.
func (s *Session) require(ctx context.Context, r store.Reader, act model.Action, kt model.KeyType) (model.Member, error) {
	m, err := s.actor(ctx, r)
	if err != nil {
		return m, err
	}
	return m, model.Require(m.AccountType, act, kt)
}

// Me is the signed-in member as stored now.
func (s *Session) Me(ctx context.Context) (model.Member, error) { return s.actor(ctx, s.b.store) }

// Source is where this session's actions come from.
func (s *Session) Source() model.Source { return s.source }

// Workspace is the workspace the member is in.
func (s *Session) Workspace(ctx context.Context) (model.Workspace, error) {
	return s.b.store.Workspace(ctx)
}

// Policy is the workspace's expiration rules.
func (s *Session) Policy() model.ExpiryPolicy { return s.b.policy }

// Now is the backend's clock.
func (s *Session) Now() time.Time { return s.b.Now() }

// event builds an audit event of type t made by the acting member; payload must
// be t's payload struct.
func (s *Session) event(actor model.Member, t model.EventType, payload model.Payload) (model.AuditEvent, error) {
	if payload == nil || payload.EventType() != t {
		return model.AuditEvent{}, fmt.Errorf("%s event with a %T payload", t, payload)
	}
	return s.b.newEvent(memberActor(actor), s.source, payload)
}

// record writes the audit event of a change actor made, in the change's
// transaction.
func (s *Session) record(ctx context.Context, tx store.Tx, actor model.Member, t model.EventType, payload model.Payload) error {
	ev, err := s.event(actor, t, payload)
	if err != nil {
		return err
	}
	return tx.AppendEvent(ctx, ev)
}

func memberActor(m model.Member) model.Actor {
	return model.Actor{Type: model.ActorMember, ID: m.ID, Name: m.Name, Email: m.Email}
}
