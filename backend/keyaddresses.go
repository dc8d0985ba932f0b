package backend

import (
	"context"
	"errors"
	"slices"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// KeyAddresses lists where a key was used from over the last 30 days (SPEC
// §10), most recently seen first; whoever may see the key may see them.
func (s *Session) KeyAddresses(ctx context.Context, keyID string) ([]model.KeyAddress, error) {
	k, err := s.GetKey(ctx, keyID)
	if err != nil {
		return nil, err
	}
	return s.b.store.KeyAddresses(ctx, k.ID, s.b.Now().Add(-model.AddressWindow))
}

// RefusedKey is a key a change to the allow lists would refuse from some of the
// addresses it was used from over the last 30 days.
type RefusedKey struct {
	Key     model.Key
	Refused []model.KeyAddress
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run: roll back")

// dryRun makes a change inside a transaction it then rolls back, and says which
// keys whose ranges the change moves would then be refused from which of their
// recent addresses: the change's own code and permission checks, the check's
// own rule (model.AllowedRanges, Ranges.Refused), nothing written. Deleted and
// expired keys are left out: they are refused anyway.
func (s *Session) dryRun(ctx context.Context, change func(store.Tx) error) ([]RefusedKey, error) {
	var out []RefusedKey
	err := s.b.store.Update(ctx, func(tx store.Tx) error {
		out = nil // Update may run fn again
		now := s.b.Now()
		addrs, err := tx.KeyAddresses(ctx, "", now.Add(-model.AddressWindow))
		if err != nil {
			return err
		}
		byKey := map[string][]model.KeyAddress{}
		var ids []string
		for _, a := range addrs {
			if _, ok := byKey[a.KeyID]; !ok {
				ids = append(ids, a.KeyID)
			}
			byKey[a.KeyID] = append(byKey[a.KeyID], a)
		}
		before, err := rangesOf(ctx, tx, ids)
		if err != nil {
			return err
		}
		if err := change(tx); err != nil {
			return err
		}
		after, err := rangesOf(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if sameRanges(before[id], after[id]) {
				continue
			}
			// Only what the change refuses: an address refused already is
			// no news of it.
			var allowed []model.KeyAddress
			for _, a := range byKey[id] {
				if before[id].Allows(model.ClientAddr(a.Addr)) {
					allowed = append(allowed, a)
				}
			}
			refused := after[id].Refused(allowed)
			if len(refused) == 0 {
				continue
			}
			k, err := keyByID(ctx, tx, id)
			if err != nil {
				return err
			}
			if st := k.State(now); st == model.KeyRevoked || st == model.KeyExpired {
				continue
			}
			out = append(out, RefusedKey{Key: k, Refused: refused})
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		return out, nil
	}
	return nil, err
}

// rangesOf is what applies to each of these keys, read in two statements.
func rangesOf(ctx context.Context, r store.AllowListReader, keyIDs []string) (map[string]model.Ranges, error) {
	lists, err := r.AllowLists(ctx)
	if err != nil {
		return nil, err
	}
	links, err := r.AllowListLinks(ctx)
	if err != nil {
		return nil, err
	}
	var def *model.AllowList
	byID := map[string]model.AllowList{}
	for i, l := range lists {
		byID[l.ID] = l
		if l.Default {
			def = &lists[i]
		}
	}
	own := map[string][]model.AllowList{}
	for _, l := range links {
		own[l.KeyID] = append(own[l.KeyID], byID[l.ListID])
	}
	out := make(map[string]model.Ranges, len(keyIDs))
	for _, id := range keyIDs {
		out[id] = model.AllowedRanges(own[id], def)
	}
	return out, nil
}

func sameRanges(a, b model.Ranges) bool {
	return a.Restricted() == b.Restricted() && slices.Equal(a.Prefixes(), b.Prefixes())
}
