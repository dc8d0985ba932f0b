package backend

import (
	"context"
	"errors"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// ListMembers lists the workspace's members by name.
func (s *Session) ListMembers(ctx context.Context) ([]model.Member, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewMembers, ""); err != nil {
		return nil, err
	}
	return s.b.store.Members(ctx)
}

// AddMember adds a member with an account type and optional SSH keys, if the
// actor's own account type covers that type (model.MemberChange).
func (s *Session) AddMember(ctx context.Context, r AddMemberRequest) (model.Member, error) {
	name, err := model.ValidateMemberName(r.Name)
	if err != nil {
		return model.Member{}, err
	}
	email, err := model.NormalizeEmail(r.Email)
	if err != nil {
		return model.Member{}, err
	}
	if !r.AccountType.Valid() {
		_, err := model.ParseAccountType(string(r.AccountType))
		return model.Member{}, err
	}
	keys, err := parseSSHKeys(r.SSHKeys)
	if err != nil {
		return model.Member{}, err
	}
	now := s.b.Now()
	var m model.Member
	err = s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.actor(ctx, tx)
		if err != nil {
			return err
		}
		c := model.MemberChange{Action: model.MemberAdd, Actor: actor, To: r.AccountType, Source: s.source}
		if err := c.Check(); err != nil {
			return err
		}
		for i := range keys {
			keys[i].AddedAt = now
		}
		m = model.Member{
			ID: s.b.newID("mem"), Name: name, Email: email, AccountType: r.AccountType,
			Status: model.StatusActive, SSHKeys: keys, CreatedAt: now, UpdatedAt: now,
			UpdatedBy: actor.ID, Version: 1,
		}
		if err := tx.InsertMember(ctx, m); err != nil {
			return err
		}
		return s.b.invitedEvents(ctx, tx, memberActor(actor), s.source, m, keys)
	})
	return m, err
}

func parseSSHKeys(lines []string) ([]model.SSHKey, error) {
	var keys []model.SSHKey
	seen := map[string]bool{}
	for _, l := range lines {
		k, err := model.ParseSSHKey(l)
		if err != nil {
			return nil, err
		}
		if !seen[k.Fingerprint] {
			seen[k.Fingerprint] = true
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// SetAccountType changes a member's account type, within the rules of
// model.MemberChange: nobody changes their own, nor grants or takes away powers
// they don't hold; the last active primary owner stays one.
func (s *Session) SetAccountType(ctx context.Context, member string, t model.AccountType, version int64) (model.Member, error) {
	if !t.Valid() {
		_, err := model.ParseAccountType(string(t))
		return model.Member{}, err
	}
	return s.changeMember(ctx, member, version, model.MemberChange{Action: model.MemberSetType, To: t}, func(m *model.Member) (model.EventType, model.Payload) {
		if m.AccountType == t {
			return "", nil
		}
		p := model.UserAccountTypeUpdatedPayload{UserRef: model.UserRefOf(*m), NewAccountType: t, PreviousAccountType: m.AccountType}
		m.AccountType = t
		return model.EventUserAccountTypeUpdated, p
	})
}

// Deactivate stops a member from signing in; their open SSH sessions end.
func (s *Session) Deactivate(ctx context.Context, member string, version int64) (model.Member, error) {
	return s.setStatus(ctx, member, version, model.StatusDeactivated)
}

// Reactivate lets a deactivated member sign in again.
func (s *Session) Reactivate(ctx context.Context, member string, version int64) (model.Member, error) {
	return s.setStatus(ctx, member, version, model.StatusActive)
}

func (s *Session) setStatus(ctx context.Context, member string, version int64, st model.MemberStatus) (model.Member, error) {
	c := model.MemberChange{Action: model.MemberReactivate}
	evt := model.EventUserReactivated
	if st == model.StatusDeactivated {
		c.Action, evt = model.MemberDeactivate, model.EventUserDeactivated
	}
	return s.changeMember(ctx, member, version, c, func(m *model.Member) (model.EventType, model.Payload) {
		m.Status = st
		return evt, statusPayload(evt, *m)
	})
}

// target resolves the member a change is about and completes c with the facts
// model.MemberChange.Check needs: the actor, the target, the count of active
// primary owners when the target is one, the source.
func (s *Session) target(ctx context.Context, tx store.Tx, member string, c *model.MemberChange) error {
	actor, err := s.actor(ctx, tx)
	if err != nil {
		return err
	}
	m, err := resolveMember(ctx, tx, member)
	if errors.Is(err, model.ErrNotFound) {
		// Someone who may not manage members learns nothing about who is one.
		if rerr := model.Require(actor.AccountType, model.ActManageMembers, ""); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	c.Actor, c.Target, c.Source = actor, m, s.source
	if m.AccountType == model.PrimaryOwner {
		if c.ActiveOwners, err = tx.CountActiveOwners(ctx); err != nil {
			return err
		}
	}
	return nil
}

// changeMember makes a versioned change to a member once c allows it; edit applies
// it and returns the event to write, or an empty type when nothing changes.
func (s *Session) changeMember(ctx context.Context, member string, version int64, c model.MemberChange,
	edit func(*model.Member) (model.EventType, model.Payload)) (model.Member, error) {
	now := s.b.Now()
	var out model.Member
	err := s.updateMember(ctx, member, c, func(tx store.Tx, c model.MemberChange) error {
		m := c.Target
		if version != 0 && version != m.Version {
			return memberConflict(ctx, tx, m)
		}
		evt, payload := edit(&m)
		if evt == "" {
			out = m
			return nil
		}
		m.UpdatedAt, m.UpdatedBy = now, c.Actor.ID
		var err error
		if out, err = tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		return s.record(ctx, tx, c.Actor, evt, payload)
	})
	return out, err
}

// updateMember runs fn in a transaction once c, filled with the member and the
// actor as they are in it, allows the change.
func (s *Session) updateMember(ctx context.Context, member string, c model.MemberChange, fn func(store.Tx, model.MemberChange) error) error {
	return s.b.store.Update(ctx, func(tx store.Tx) error {
		if err := s.target(ctx, tx, member, &c); err != nil {
			return err
		}
		// The rules first: a stale copy is worth a reload only to someone who may
		// make the change at all.
		if err := c.Check(); err != nil {
			return err
		}
		return fn(tx, c)
	})
}

func memberConflict(ctx context.Context, r store.Reader, m model.Member) error {
	who := "someone"
	if by, err := r.Member(ctx, m.UpdatedBy); err == nil {
		who = by.Name
	}
	return model.Conflict("%s was changed by %s since you opened it — reload.", model.Sanitize(m.Name), model.Sanitize(who))
}

// AddSSHKey attaches an SSH public key (an authorized_keys line) to a member:
// one's own always, another's within the rules of model.MemberChange.
func (s *Session) AddSSHKey(ctx context.Context, member, authorizedKey string) (model.Member, error) {
	k, err := model.ParseSSHKey(authorizedKey)
	if err != nil {
		return model.Member{}, err
	}
	k.AddedAt = s.b.Now()
	c := model.MemberChange{Action: model.MemberAddSSHKey, Fingerprint: k.Fingerprint}
	return s.sshKeyChange(ctx, member, c, model.EventSshKeyAdded, func(tx store.Tx, m model.Member) error {
		return tx.AddSSHKey(ctx, m.ID, k)
	})
}

// RemoveSSHKey detaches the SSH key with this fingerprint from a member; their
// sessions signed in with it end.
func (s *Session) RemoveSSHKey(ctx context.Context, member, fingerprint string) (model.Member, error) {
	c := model.MemberChange{Action: model.MemberRemoveSSHKey, Fingerprint: fingerprint}
	return s.sshKeyChange(ctx, member, c, model.EventSshKeyRemoved, func(tx store.Tx, m model.Member) error {
		return tx.RemoveSSHKey(ctx, m.ID, fingerprint)
	})
}

func (s *Session) sshKeyChange(ctx context.Context, member string, c model.MemberChange, evt model.EventType, apply func(store.Tx, model.Member) error) (model.Member, error) {
	var out model.Member
	err := s.updateMember(ctx, member, c, func(tx store.Tx, c model.MemberChange) error {
		m := c.Target
		if err := apply(tx, m); err != nil {
			return err
		}
		if err := s.record(ctx, tx, c.Actor, evt, sshKeyPayload(evt, m, c.Fingerprint)); err != nil {
			return err
		}
		var err error
		out, err = tx.Member(ctx, m.ID)
		return err
	})
	return out, err
}
