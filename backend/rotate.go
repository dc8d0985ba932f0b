package backend

import (
	"context"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// RotateKey issues a new key with the old one's name and type and a new secret. The
// old key keeps working for the grace period (never past its own expiry) and the
// two link to each other. An expired key may be rotated — that is how it is renewed
// — but a replaced one may not: its replacement is the key to rotate.
func (s *Session) RotateKey(ctx context.Context, id string, r RotateKeyRequest) (Rotation, error) {
	if err := model.CheckGrace(r.Grace); err != nil {
		return Rotation{}, err
	}
	now := s.b.Now()
	if r.Expires != nil {
		if err := s.b.policy.Check(*r.Expires, now); err != nil {
			return Rotation{}, err
		}
	}
	var rot Rotation
	err := s.b.updateKeys(ctx, func(tx store.Tx) error {
		old, actor, err := s.loadForChange(ctx, tx, id, r.Version)
		if err != nil {
			return err
		}
		if old.ReplacedBy != "" {
			return model.Invalid("key", "Key “%s” was already rotated; rotate its replacement %s instead.", model.Sanitize(old.Name), old.ReplacedBy)
		}
		expires := s.b.DefaultRotationExpiry(old)
		if r.Expires != nil {
			expires = *r.Expires
		}
		secret, err := s.b.secret(old.Type)
		if err != nil {
			return err
		}
		nk := model.Key{
			ID: s.b.newID("key"), Name: old.Name, Type: old.Type,
			Hint: secret.Hint(), Hash: secret.Hash(),
			CreatedAt: now, CreatedBy: actor.ID, CreatedByName: actor.Name, OwnerID: old.OwnerID, OwnerName: old.OwnerName, // a rotation keeps the owner
			ExpiresAt: s.b.policy.ExpiresAt(expires), RotatedFrom: old.ID,
			UpdatedAt: now, UpdatedBy: actor.ID, UpdatedByName: actor.Name, Version: 1,
		}
		if err := tx.InsertKey(ctx, nk); err != nil {
			return err
		}
		if err := copyAllowLists(ctx, tx, old.ID, nk.ID); err != nil {
			return err
		}
		if graceEnd := now.Add(r.Grace); graceEnd.Before(old.ExpiresAt) {
			old.ExpiresAt = graceEnd
		}
		old.ReplacedBy, old.UpdatedAt, old.UpdatedBy = nk.ID, now, actor.ID
		updated, err := tx.UpdateKey(ctx, old)
		if err != nil {
			return err
		}
		ev, err := s.event(actor, model.EventApiKeyRotated, model.ApiKeyRotatedPayload{
			KeyRef: model.KeyRefOf(old), NewKeyID: nk.ID, NewHint: nk.Hint,
			NewExpiresAt: toSecond(nk.ExpiresAt), GraceEndsAt: toSecond(old.ExpiresAt),
		})
		if err != nil {
			return err
		}
		rot = Rotation{Old: updated, New: nk, Secret: secret}
		return tx.AppendEvent(ctx, ev)
	})
	if err != nil {
		return Rotation{}, s.b.explainConflict(ctx, id, err)
	}
	return rot, nil
}

// DefaultRotationExpiry is the expiration date a rotation of k picks when none is
// given: the old key's lifetime again from today, within the allowed range.
func (b *Backend) DefaultRotationExpiry(k model.Key) model.Date {
	return b.policy.RotationExpiry(k, b.Now())
}
