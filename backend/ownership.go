package backend

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// TransferKey makes another member a key's owner (SPEC §12), audited as
// ApiKeyOwnerChanged. The actor must manage keys of its type; the new owner
// must be active and able to manage that type too (model.CanOwnKey). version 0:
// any.
func (s *Session) TransferKey(ctx context.Context, keyID, to string, version int64) (model.Key, error) {
	var out model.Key
	err := s.b.updateKeys(ctx, func(tx store.Tx) error {
		k, actor, err := s.loadForChange(ctx, tx, keyID, version)
		if err != nil {
			return err
		}
		m, err := resolveMember(ctx, tx, to)
		if err != nil {
			return err
		}
		out, err = s.transfer(ctx, tx, actor, k, m)
		return err
	})
	return out, s.b.explainConflict(ctx, keyID, err)
}

// transfer moves k to m inside tx, with its event; nothing when m owns it.
func (s *Session) transfer(ctx context.Context, tx store.Tx, actor model.Member, k model.Key, m model.Member) (model.Key, error) {
	if err := model.CanOwnKey(m, k.Type); err != nil {
		return k, err
	}
	if k.OwnerID == m.ID {
		return k, nil
	}
	prev := model.UserRef{UserID: k.OwnerID, UserName: k.OwnerName}
	if p, err := tx.Member(ctx, k.OwnerID); err == nil {
		prev = model.UserRefOf(p)
	}
	k.OwnerID = m.ID
	k.UpdatedAt, k.UpdatedBy = s.b.Now(), actor.ID
	out, err := tx.UpdateKey(ctx, k)
	if err != nil {
		return k, err
	}
	return out, s.record(ctx, tx, actor, model.EventApiKeyOwnerChanged, model.ApiKeyOwnerChangedPayload{
		KeyRef: model.KeyRefOf(k), PreviousOwner: prev, NewOwner: model.UserRefOf(m)})
}

// OwnedKeys lists the live keys (active or replaced in their grace) a member
// owns, newest first: what deactivating them would leave ownerless.
func (s *Session) OwnedKeys(ctx context.Context, member string) ([]model.Key, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return nil, err
	}
	m, err := resolveMember(ctx, s.b.store, member)
	if err != nil {
		return nil, err
	}
	return ownedKeys(ctx, s.b.store, m.ID, s.b.Now())
}

func ownedKeys(ctx context.Context, r store.Reader, memberID string, now time.Time) ([]model.Key, error) {
	all, err := r.Keys(ctx, store.KeyQuery{})
	if err != nil {
		return nil, err
	}
	var out []model.Key
	for _, k := range all {
		if k.OwnerID == memberID && k.Valid(now) {
			out = append(out, k)
		}
	}
	return out, nil
}

// DeactivateTransfer deactivates a member and, in the same transaction, makes
// transferTo the owner of every live key they own (each audited as
// ApiKeyOwnerChanged); the actor must manage each key's type. transferTo ""
// leaves the keys with the deactivated owner: they keep working. It returns the
// member and the keys that were theirs.
func (s *Session) DeactivateTransfer(ctx context.Context, member string, version int64, transferTo string) (model.Member, []model.Key, error) {
	now := s.b.Now()
	var out model.Member
	var keys []model.Key
	c := model.MemberChange{Action: model.MemberDeactivate}
	err := s.updateMember(ctx, member, c, func(tx store.Tx, c model.MemberChange) error {
		m := c.Target
		if version != 0 && version != m.Version {
			return memberConflict(ctx, tx, m)
		}
		owned, err := ownedKeys(ctx, tx, m.ID, now)
		if err != nil {
			return err
		}
		var to model.Member
		if transferTo != "" {
			if to, err = resolveMember(ctx, tx, transferTo); err != nil {
				return err
			}
			if to.ID == m.ID {
				return model.Invalid("transferTo", "Transfer %s's keys to someone else: they are being deactivated.", model.Sanitize(m.Name))
			}
		}
		if m.Status != model.StatusDeactivated {
			m.Status = model.StatusDeactivated
			m.UpdatedAt, m.UpdatedBy = now, c.Actor.ID
			if out, err = tx.UpdateMember(ctx, m); err != nil {
				return err
			}
			if err := s.record(ctx, tx, c.Actor, model.EventUserDeactivated, statusPayload(model.EventUserDeactivated, out)); err != nil {
				return err
			}
		} else {
			out = m
		}
		keys = owned
		if transferTo == "" {
			return nil
		}
		keys = keys[:0:0]
		for _, k := range owned {
			if err := model.Require(c.Actor.AccountType, model.ActManageKeys, k.Type); err != nil {
				return err
			}
			nk, err := s.transfer(ctx, tx, c.Actor, k, to)
			if err != nil {
				return err
			}
			keys = append(keys, nk)
		}
		return nil
	})
	if err != nil {
		return model.Member{}, nil, err
	}
	return out, keys, nil
}

// RetireKey ends a replaced key's grace now (SPEC §12 "retire now"): it stops
// working at once, as if its grace had been "now". Audited as ApiKeyUpdated,
// its expiry's old and new values (SPEC §3 has no event of its own for it).
func (s *Session) RetireKey(ctx context.Context, keyID string, version int64) (model.Key, error) {
	now := s.b.Now()
	var out model.Key
	err := s.b.updateKeys(ctx, func(tx store.Tx) error {
		k, actor, err := s.loadForChange(ctx, tx, keyID, version)
		if err != nil {
			return err
		}
		if err := model.CanRetire(k, now); err != nil {
			return err
		}
		changes := model.KeyChanges{ExpiresAt: &model.Change[time.Time]{Old: k.ExpiresAt, New: now}}
		k.ExpiresAt, k.UpdatedAt, k.UpdatedBy = now, now, actor.ID
		if out, err = tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, model.EventApiKeyUpdated, model.ApiKeyUpdatedPayload{KeyRef: model.KeyRefOf(k), Changes: changes})
	})
	return out, s.b.explainConflict(ctx, keyID, err)
}
