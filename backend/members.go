package backend

import (
	"context"

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

// AddMember adds a member with an account type and optional SSH keys. Only a
// primary owner may add another primary owner.
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
		actor, err := s.require(ctx, tx, model.ActManageMembers, "")
		if err != nil {
			return err
		}
		if r.AccountType == model.PrimaryOwner && actor.AccountType != model.PrimaryOwner {
			return model.Forbidden("Only a Primary Owner can make someone a Primary Owner.")
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

func memberPayload(m model.Member) map[string]any {
	return map[string]any{"userId": m.ID, "userName": m.Name, "userEmail": m.Email}
}

// SetAccountType changes a member's account type. Nobody changes their own; only a
// primary owner makes or unmakes one; the last active primary owner stays one.
func (s *Session) SetAccountType(ctx context.Context, member string, t model.AccountType, version int64) (model.Member, error) {
	if !t.Valid() {
		_, err := model.ParseAccountType(string(t))
		return model.Member{}, err
	}
	return s.changeMember(ctx, member, version, func(tx store.Tx, actor model.Member, m *model.Member) (model.EventType, map[string]any, error) {
		if m.ID == actor.ID {
			return "", nil, model.Forbidden("You can't change your own account type.")
		}
		if (t == model.PrimaryOwner || m.AccountType == model.PrimaryOwner) && actor.AccountType != model.PrimaryOwner {
			return "", nil, model.Forbidden("Only a Primary Owner can make or unmake a Primary Owner.")
		}
		if m.AccountType == t {
			return "", nil, nil
		}
		if err := keepLastOwner(ctx, tx, *m); err != nil {
			return "", nil, err
		}
		p := memberPayload(*m)
		p["newAccountType"], p["previousAccountType"] = t, m.AccountType
		m.AccountType = t
		return model.EventUserAccountTypeUpdated, p, nil
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
	return s.changeMember(ctx, member, version, func(tx store.Tx, actor model.Member, m *model.Member) (model.EventType, map[string]any, error) {
		if m.ID == actor.ID {
			return "", nil, model.Forbidden("You can't deactivate or reactivate yourself.")
		}
		if m.AccountType == model.PrimaryOwner && actor.AccountType != model.PrimaryOwner {
			return "", nil, model.Forbidden("Only a Primary Owner can deactivate or reactivate a Primary Owner.")
		}
		if m.Status == st {
			// Said, not silently accepted: a script that deactivates someone
			// twice has a wrong idea of the workspace worth knowing about.
			if st == model.StatusDeactivated {
				return "", nil, model.Invalid("member", "%s is already deactivated.", model.Sanitize(m.Name))
			}
			return "", nil, model.Invalid("member", "%s is already active.", model.Sanitize(m.Name))
		}
		evt := model.EventUserReactivated
		if st == model.StatusDeactivated {
			if err := keepLastOwner(ctx, tx, *m); err != nil {
				return "", nil, err
			}
			evt = model.EventUserDeactivated
		}
		m.Status = st
		return evt, memberPayload(*m), nil
	})
}

// keepLastOwner refuses a change that would leave no active primary owner.
func keepLastOwner(ctx context.Context, tx store.Tx, m model.Member) error {
	if m.AccountType != model.PrimaryOwner || !m.Active() {
		return nil
	}
	n, err := tx.CountActiveOwners(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return model.Invalid("member", "%s is the last active Primary Owner: make someone else Primary Owner first.", model.Sanitize(m.Name))
	}
	return nil
}

// changeMember loads a member for a versioned change; edit returns the event to
// write, or an empty type when nothing changes.
func (s *Session) changeMember(ctx context.Context, member string, version int64,
	edit func(store.Tx, model.Member, *model.Member) (model.EventType, map[string]any, error)) (model.Member, error) {
	now := s.b.Now()
	var out model.Member
	err := s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageMembers, "")
		if err != nil {
			return err
		}
		m, err := resolveMember(ctx, tx, member)
		if err != nil {
			return err
		}
		if version != 0 && version != m.Version {
			return memberConflict(ctx, tx, m)
		}
		evt, payload, err := edit(tx, actor, &m)
		if err != nil || evt == "" {
			out = m
			return err
		}
		m.UpdatedAt, m.UpdatedBy = now, actor.ID
		if out, err = tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		ev, err := s.event(actor, evt, payload)
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	})
	return out, err
}

func memberConflict(ctx context.Context, r store.Reader, m model.Member) error {
	who := "someone"
	if by, err := r.Member(ctx, m.UpdatedBy); err == nil {
		who = by.Name
	}
	return model.Conflict("%s was changed by %s since you opened it — reload.", model.Sanitize(m.Name), model.Sanitize(who))
}

// AddSSHKey attaches an SSH public key (an authorized_keys line) to a member.
func (s *Session) AddSSHKey(ctx context.Context, member, authorizedKey string) (model.Member, error) {
	k, err := model.ParseSSHKey(authorizedKey)
	if err != nil {
		return model.Member{}, err
	}
	k.AddedAt = s.b.Now()
	return s.sshKeyChange(ctx, member, model.EventSshKeyAdded, k.Fingerprint, func(tx store.Tx, m model.Member) error {
		return tx.AddSSHKey(ctx, m.ID, k)
	})
}

// RemoveSSHKey detaches the SSH key with this fingerprint from a member; their
// sessions signed in with it end.
func (s *Session) RemoveSSHKey(ctx context.Context, member, fingerprint string) (model.Member, error) {
	return s.sshKeyChange(ctx, member, model.EventSshKeyRemoved, fingerprint, func(tx store.Tx, m model.Member) error {
		return tx.RemoveSSHKey(ctx, m.ID, fingerprint)
	})
}

func (s *Session) sshKeyChange(ctx context.Context, member string, evt model.EventType, fp string, apply func(store.Tx, model.Member) error) (model.Member, error) {
	var out model.Member
	err := s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageMembers, "")
		if err != nil {
			return err
		}
		m, err := resolveMember(ctx, tx, member)
		if err != nil {
			return err
		}
		// A key on a primary owner's account signs in as that owner: only an owner
		// may hand one out.
		if m.AccountType == model.PrimaryOwner && actor.AccountType != model.PrimaryOwner && m.ID != actor.ID {
			return model.Forbidden("Only a Primary Owner can change a Primary Owner's SSH keys.")
		}
		if err := apply(tx, m); err != nil {
			return err
		}
		p := memberPayload(m)
		p["fingerprint"] = fp
		ev, err := s.event(actor, evt, p)
		if err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, ev); err != nil {
			return err
		}
		out, err = tx.Member(ctx, m.ID)
		return err
	})
	return out, err
}
