package backend

import (
	"context"
	"errors"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// ListKeys lists the workspace's keys newest first: deleted keys and replaced keys
// whose grace has ended are left out.
func (s *Session) ListKeys(ctx context.Context, f KeyFilter) ([]model.Key, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return nil, err
	}
	all, err := s.b.store.Keys(ctx, store.KeyQuery{})
	if err != nil {
		return nil, err
	}
	now := s.b.Now()
	out := all[:0]
	for _, k := range all {
		if s.b.listed(k, f, now) {
			out = append(out, k)
		}
	}
	return out, nil
}

// EachKey calls fn with each key ListKeys would list, in its order, reading
// the store a page at a time: for `keys list --json` on a million keys. The key
// fn gets is its own.
func (s *Session) EachKey(ctx context.Context, f KeyFilter, fn func(*model.Key) error) error {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return err
	}
	now := s.b.Now()
	return s.b.store.EachKey(ctx, store.KeyQuery{}, func(k *model.Key) error {
		if !s.b.listed(*k, f, now) {
			return nil
		}
		return fn(k)
	})
}

// KeyPage is one page of the key list, as ListKeys would list it.
type KeyPage struct {
	Keys []model.Key
	// Next is where the next page starts; nil after the last page.
	Next *store.KeyCursor
	// Total, when the query asked (Count), is how many keys the store holds
	// that are not deleted: what a progress line counts up to. The list
	// itself may be a little shorter (replaced keys past their grace).
	Total int
}

// KeyPageQuery asks for a page of the key list.
type KeyPageQuery struct {
	After *store.KeyCursor // nil: from the newest
	Limit int
	// Count asks for Total too. Counting a million keys takes a quarter of
	// a second, a first page of them a millisecond: a first screen doesn't
	// ask, the read behind it does.
	Count bool
}

// ListKeysPage reads one page of what ListKeys lists: the first (After nil)
// of Limit keys, newest first, from the list-order index — what fits on a
// screen, so a TUI draws at once over a million keys — then the rest page by
// page. Each page is one read of the store, around its key cache: a million
// keys are never held twice.
func (s *Session) ListKeysPage(ctx context.Context, q KeyPageQuery) (KeyPage, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return KeyPage{}, err
	}
	after, limit := q.After, max(q.Limit, 1)
	var p KeyPage
	if q.Count {
		n, err := s.b.store.CountKeys(ctx, store.KeyQuery{})
		if err != nil {
			return KeyPage{}, err
		}
		p.Total = n
	}
	keys, err := s.b.store.KeysAfter(ctx, store.KeyQuery{}, after, limit)
	if err != nil {
		return KeyPage{}, err
	}
	if len(keys) == limit {
		p.Next = store.CursorOf(keys[len(keys)-1])
	}
	now := s.b.Now()
	p.Keys = keys[:0]
	for _, k := range keys {
		if s.b.listed(k, KeyFilter{}, now) {
			p.Keys = append(p.Keys, k)
		}
	}
	return p, nil
}

// Listed reports whether ListKeys lists k at now: not deleted, and not a
// replaced key past its grace. A client that patches its list with one key
// read again (the change feed named it) keeps or drops it by this rule.
func Listed(k model.Key, now time.Time) bool {
	st := k.State(now)
	return st != model.KeyRevoked && (st != model.KeyExpired || k.ReplacedBy == "")
}

// listed reports whether a live key is in the list: not revoked, not replaced
// and past its grace, and within the filter.
func (b *Backend) listed(k model.Key, f KeyFilter, now time.Time) bool {
	if !Listed(k, now) {
		return false
	}
	return f.ExpiringWithin <= 0 || b.policy.ExpiresWithin(k, now, f.ExpiringWithin)
}

// GetKey returns one key's metadata, tombstones included (their DeletedAt is set).
func (s *Session) GetKey(ctx context.Context, id string) (model.Key, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return model.Key{}, err
	}
	return keyByID(ctx, s.b.store, id)
}

func keyByID(ctx context.Context, r store.Reader, id string) (model.Key, error) {
	k, err := r.Key(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return model.Key{}, model.NotFound("No API key with id %s.", model.Quote(id))
	}
	return k, err
}

// CreateKey issues a key. The secret is returned once and kept nowhere.
func (s *Session) CreateKey(ctx context.Context, r CreateKeyRequest) (model.Key, model.Secret, error) {
	if !r.Type.Valid() {
		return model.Key{}, model.Secret{}, model.Invalid("type", "Choose a key type: %s.", model.KeyTypeList())
	}
	name, err := model.ValidateName(r.Name)
	if err != nil {
		return model.Key{}, model.Secret{}, err
	}
	now := s.b.Now()
	if err := s.b.policy.Check(r.Expires, now); err != nil {
		return model.Key{}, model.Secret{}, err
	}
	secret, err := s.b.secret(r.Type)
	if err != nil {
		return model.Key{}, model.Secret{}, err
	}
	var k model.Key
	err = s.b.updateKeys(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageKeys, r.Type)
		if err != nil {
			return err
		}
		k = model.Key{
			ID: s.b.newID("key"), Name: name, Type: r.Type,
			Hint: secret.Hint(), Hash: secret.Hash(),
			CreatedAt: now, CreatedBy: actor.ID, CreatedByName: actor.Name, OwnerID: actor.ID, OwnerName: actor.Name,
			ExpiresAt: s.b.policy.ExpiresAt(r.Expires),
			UpdatedAt: now, UpdatedBy: actor.ID, UpdatedByName: actor.Name, Version: 1,
		}
		if err := tx.InsertKey(ctx, k); err != nil {
			return err
		}
		ev, err := s.event(actor, model.EventApiKeyCreated, model.ApiKeyCreatedPayload{
			KeyRef: model.KeyRefOf(k), Hint: k.Hint, ExpiresAt: toSecond(k.ExpiresAt),
		})
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	})
	if err != nil {
		return model.Key{}, model.Secret{}, err
	}
	return k, secret, nil
}

// EditKey renames a key and/or moves its expiration date. The type never changes;
// an expired or replaced key's expiry can't be moved (rotate it instead).
func (s *Session) EditKey(ctx context.Context, id string, r EditKeyRequest) (model.Key, error) {
	var name string
	if r.Name != nil {
		n, err := model.ValidateName(*r.Name)
		if err != nil {
			return model.Key{}, err
		}
		name = n
	}
	now := s.b.Now()
	var out model.Key
	err := s.b.updateKeys(ctx, func(tx store.Tx) error {
		k, actor, err := s.loadForChange(ctx, tx, id, r.Version)
		if err != nil {
			return err
		}
		var changes model.KeyChanges
		if r.Name != nil && name != k.Name {
			changes.Name = &model.Change[string]{Old: k.Name, New: name}
			k.Name = name
		}
		if r.Expires != nil {
			at := s.b.policy.ExpiresAt(*r.Expires)
			if !at.Equal(k.ExpiresAt) {
				switch k.State(now) {
				case model.KeyExpired:
					return model.Invalid("expires", "Key “%s” has expired and can't be extended: rotate it to issue a new one.", model.Sanitize(k.Name))
				case model.KeyReplaced:
					return model.Invalid("expires", "Key “%s” was replaced; its grace period can't be changed.", model.Sanitize(k.Name))
				}
				if err := s.b.policy.Check(*r.Expires, now); err != nil {
					return err
				}
				changes.ExpiresAt = &model.Change[time.Time]{Old: k.ExpiresAt, New: at}
				k.ExpiresAt = at
			}
		}
		if changes == (model.KeyChanges{}) {
			out = k
			return nil
		}
		k.UpdatedAt, k.UpdatedBy = now, actor.ID
		if out, err = tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		ev, err := s.event(actor, model.EventApiKeyUpdated, model.ApiKeyUpdatedPayload{
			KeyRef: model.KeyRefOf(k), Changes: changes,
		})
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	})
	return out, s.b.explainConflict(ctx, id, err)
}

// DeleteKey revokes a key at once; the row stays as a tombstone for the audit trail.
func (s *Session) DeleteKey(ctx context.Context, id string, version int64) (model.Key, error) {
	now := s.b.Now()
	var out model.Key
	err := s.b.updateKeys(ctx, func(tx store.Tx) error {
		k, actor, err := s.loadForChange(ctx, tx, id, version)
		if err != nil {
			return err
		}
		k.DeletedAt, k.UpdatedAt, k.UpdatedBy = &now, now, actor.ID
		if out, err = tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		ev, err := s.event(actor, model.EventApiKeyDeleted, model.ApiKeyDeletedPayload{
			KeyRef: model.KeyRefOf(k), Hint: k.Hint, ExpiresAt: toSecond(k.ExpiresAt),
		})
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	})
	return out, s.b.explainConflict(ctx, id, err)
}

// loadForChange reads a live key inside tx, checks the actor may manage its type,
// and that the caller's version (0: any) is current.
func (s *Session) loadForChange(ctx context.Context, tx store.Tx, id string, version int64) (model.Key, model.Member, error) {
	actor, err := s.actor(ctx, tx)
	if err != nil {
		return model.Key{}, actor, err
	}
	k, err := keyByID(ctx, tx, id)
	if err != nil {
		return k, actor, err
	}
	if err := model.Require(actor.AccountType, model.ActManageKeys, k.Type); err != nil {
		return k, actor, err
	}
	if k.DeletedAt != nil {
		return k, actor, model.NotFound("Key “%s” was deleted.", model.Sanitize(k.Name))
	}
	if version != 0 && version != k.Version {
		return k, actor, keyConflict(k)
	}
	return k, actor, nil
}

func keyConflict(k model.Key) error {
	who := k.UpdatedByName
	if who == "" {
		who = "someone"
	}
	return model.Conflict("Key “%s” was changed by %s since you opened it — reload.", model.Sanitize(k.Name), model.Sanitize(who))
}

// explainConflict turns a store-level version conflict (a writer that got in between
// our read and our write) into the message that names who changed the key.
func (b *Backend) explainConflict(ctx context.Context, id string, err error) error {
	if model.KindOf(err) != model.KindConflict {
		return err
	}
	if k, rerr := b.store.Key(ctx, id); rerr == nil {
		return keyConflict(k)
	}
	return err
}

// toSecond is t as payloads have always carried it: RFC 3339 to the second, in
// t's own zone.
func toSecond(t time.Time) time.Time { return t.Truncate(time.Second) }
