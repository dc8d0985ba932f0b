package backend

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// AllowListView is a list with the keys linked to it.
type AllowListView struct {
	model.AllowList
	KeyIDs []string
}

// CreateAllowListRequest is what `allowlists create` sends.
type CreateAllowListRequest struct {
	Name        string
	Description string
	Entries     []string
}

// EditAllowListRequest changes a list. Nil fields stay; entries are added, then
// removed. Version 0 is "whatever is current" (one-shot CLI commands).
type EditAllowListRequest struct {
	Version       int64
	Name          *string
	Description   *string
	AddEntries    []string
	RemoveEntries []string
}

// ListAllowLists lists the workspace's allow lists by name, with their keys.
func (s *Session) ListAllowLists(ctx context.Context) ([]AllowListView, error) {
	if _, err := s.require(ctx, s.b.store, model.ActManageAllow, ""); err != nil {
		return nil, err
	}
	lists, err := s.b.store.AllowLists(ctx)
	if err != nil {
		return nil, err
	}
	links, err := s.b.store.AllowListLinks(ctx)
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for _, l := range links {
		keys[l.ListID] = append(keys[l.ListID], l.KeyID)
	}
	out := make([]AllowListView, len(lists))
	for i, l := range lists {
		out[i] = AllowListView{AllowList: l, KeyIDs: keys[l.ID]}
	}
	return out, nil
}

// GetAllowList returns one list, named by id or name, with its keys.
func (s *Session) GetAllowList(ctx context.Context, ref string) (AllowListView, error) {
	if _, err := s.require(ctx, s.b.store, model.ActManageAllow, ""); err != nil {
		return AllowListView{}, err
	}
	l, err := resolveAllowList(ctx, s.b.store, ref)
	if err != nil {
		return AllowListView{}, err
	}
	keys, err := listKeyIDs(ctx, s.b.store, l.ID)
	return AllowListView{AllowList: l, KeyIDs: keys}, err
}

func listKeyIDs(ctx context.Context, r store.AllowListReader, listID string) ([]string, error) {
	links, err := r.AllowListLinks(ctx)
	var out []string
	for _, l := range links {
		if l.ListID == listID {
			out = append(out, l.KeyID)
		}
	}
	return out, err
}

// resolveAllowList finds a list by id, else by name (case-insensitively).
func resolveAllowList(ctx context.Context, r store.AllowListReader, ref string) (model.AllowList, error) {
	ref = strings.TrimSpace(ref)
	l, err := r.AllowList(ctx, ref)
	if errors.Is(err, model.ErrNotFound) {
		l, err = r.AllowListByName(ctx, ref)
	}
	if errors.Is(err, model.ErrNotFound) {
		return l, model.NotFound("No IP allow list %s: see `allowlists list`.", model.Quote(ref))
	}
	return l, err
}

// CreateAllowList stores a new list.
func (s *Session) CreateAllowList(ctx context.Context, r CreateAllowListRequest) (AllowListView, error) {
	entries, err := model.ParseEntries(r.Entries)
	if err != nil {
		return AllowListView{}, err
	}
	now := s.b.Now()
	l, err := model.ValidateAllowList(model.AllowList{Name: r.Name, Description: r.Description, Entries: entries})
	if err != nil {
		return AllowListView{}, err
	}
	l.ID, l.CreatedAt, l.UpdatedAt, l.Version = s.b.newID("ipl"), now, now, 1
	err = s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageAllow, "")
		if err != nil {
			return err
		}
		l.CreatedBy = actor.ID
		if err := tx.InsertAllowList(ctx, l); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, actor, model.IpAllowListCreatedPayload{
			AllowListRef: model.AllowListRefOf(l), Description: l.Description, Entries: model.EntryStrings(l.Entries)})
	})
	if err != nil {
		return AllowListView{}, err
	}
	return AllowListView{AllowList: l}, nil
}

func (s *Session) appendEvent(ctx context.Context, tx store.Tx, actor model.Member, p model.Payload) error {
	ev, err := s.event(actor, p.EventType(), p)
	if err != nil {
		return err
	}
	return tx.AppendEvent(ctx, ev)
}

// EditAllowList renames a list, changes its description or its entries.
func (s *Session) EditAllowList(ctx context.Context, ref string, r EditAllowListRequest) (AllowListView, error) {
	add, err := model.ParseEntries(r.AddEntries)
	if err != nil {
		return AllowListView{}, err
	}
	remove, err := model.ParseEntries(r.RemoveEntries)
	if err != nil {
		return AllowListView{}, err
	}
	var out model.AllowList
	err = s.b.store.Update(ctx, func(tx store.Tx) error { return s.editAllowListIn(ctx, tx, ref, r, add, remove, &out) })
	if err != nil {
		return AllowListView{}, err
	}
	keys, err := listKeyIDs(ctx, s.b.store, out.ID)
	return AllowListView{AllowList: out, KeyIDs: keys}, err
}

// DryRunEditAllowList is which keys EditAllowList would refuse from which of
// their recent addresses; it changes nothing.
func (s *Session) DryRunEditAllowList(ctx context.Context, ref string, r EditAllowListRequest) ([]RefusedKey, error) {
	add, err := model.ParseEntries(r.AddEntries)
	if err != nil {
		return nil, err
	}
	remove, err := model.ParseEntries(r.RemoveEntries)
	if err != nil {
		return nil, err
	}
	var out model.AllowList
	return s.dryRun(ctx, func(tx store.Tx) error { return s.editAllowListIn(ctx, tx, ref, r, add, remove, &out) })
}

func (s *Session) editAllowListIn(ctx context.Context, tx store.Tx, ref string, r EditAllowListRequest, add, remove []netip.Prefix, out *model.AllowList) error {
	{
		actor, err := s.require(ctx, tx, model.ActManageAllow, "")
		if err != nil {
			return err
		}
		old, err := resolveAllowList(ctx, tx, ref)
		if err != nil {
			return err
		}
		if r.Version != 0 && r.Version != old.Version {
			return model.Conflict("IP allow list %s changed since you opened it — reload.", model.Quote(old.Name))
		}
		l := old
		l.Entries = slices.Clone(old.Entries)
		if r.Name != nil {
			l.Name = *r.Name
		}
		if r.Description != nil {
			l.Description = *r.Description
		}
		for _, p := range add {
			if !slices.Contains(l.Entries, p) {
				l.Entries = append(l.Entries, p)
			}
		}
		for _, p := range remove {
			i := slices.Index(l.Entries, p)
			if i < 0 {
				return model.Invalid("entry", "%s is not an entry of %s.", p, model.Quote(old.Name))
			}
			l.Entries = slices.Delete(l.Entries, i, i+1)
		}
		if l, err = model.ValidateAllowList(l); err != nil {
			return err
		}
		var ch model.AllowListChanges
		if l.Name != old.Name {
			ch.Name = &model.Change[string]{Old: old.Name, New: l.Name}
		}
		if l.Description != old.Description {
			ch.Description = &model.Change[string]{Old: old.Description, New: l.Description}
		}
		if !slices.Equal(l.Entries, old.Entries) {
			ch.Entries = &model.Change[[]string]{Old: model.EntryStrings(old.Entries), New: model.EntryStrings(l.Entries)}
		}
		if ch == (model.AllowListChanges{}) {
			*out = old
			return nil // nothing changed: no write, no event
		}
		l.UpdatedAt = s.b.Now()
		if *out, err = tx.UpdateAllowList(ctx, l); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, actor, model.IpAllowListUpdatedPayload{AllowListRef: model.AllowListRefOf(*out), Changes: ch})
	}
}

// DeleteAllowList deletes a list; its keys lose it (a key left with none falls
// under the default, or none).
func (s *Session) DeleteAllowList(ctx context.Context, ref string) error {
	return s.b.store.Update(ctx, func(tx store.Tx) error { return s.deleteAllowListIn(ctx, tx, ref) })
}

// DryRunDeleteAllowList is which keys DeleteAllowList would refuse from
// which of their recent addresses (a key losing one of two lists, or falling
// under the default); it changes nothing.
func (s *Session) DryRunDeleteAllowList(ctx context.Context, ref string) ([]RefusedKey, error) {
	return s.dryRun(ctx, func(tx store.Tx) error { return s.deleteAllowListIn(ctx, tx, ref) })
}

func (s *Session) deleteAllowListIn(ctx context.Context, tx store.Tx, ref string) error {
	actor, err := s.require(ctx, tx, model.ActManageAllow, "")
	if err != nil {
		return err
	}
	l, err := resolveAllowList(ctx, tx, ref)
	if err != nil {
		return err
	}
	keys, err := listKeyIDs(ctx, tx, l.ID)
	if err != nil {
		return err
	}
	if err := tx.DeleteAllowList(ctx, l.ID); err != nil {
		return err
	}
	return s.appendEvent(ctx, tx, actor, model.IpAllowListDeletedPayload{
		AllowListRef: model.AllowListRefOf(l), Entries: model.EntryStrings(l.Entries), KeyIDs: keys, WasDefault: l.Default})
}

// SetDefaultAllowList makes a list (by id or name) the default; "" leaves none.
func (s *Session) SetDefaultAllowList(ctx context.Context, ref string) error {
	return s.b.store.Update(ctx, func(tx store.Tx) error { return s.setDefaultIn(ctx, tx, ref) })
}

// DryRunSetDefaultAllowList is which keys SetDefaultAllowList would refuse
// from which of their recent addresses; it changes nothing.
func (s *Session) DryRunSetDefaultAllowList(ctx context.Context, ref string) ([]RefusedKey, error) {
	return s.dryRun(ctx, func(tx store.Tx) error { return s.setDefaultIn(ctx, tx, ref) })
}

func (s *Session) setDefaultIn(ctx context.Context, tx store.Tx, ref string) error {
	{
		actor, err := s.require(ctx, tx, model.ActManageAllow, "")
		if err != nil {
			return err
		}
		lists, err := tx.AllowLists(ctx)
		if err != nil {
			return err
		}
		var p model.DefaultIpAllowListChangedPayload
		for _, l := range lists {
			if l.Default {
				p.Old = &model.AllowListRef{ListID: l.ID, Name: l.Name}
			}
		}
		id := ""
		if ref != "" {
			l, err := resolveAllowList(ctx, tx, ref)
			if err != nil {
				return err
			}
			id, p.New = l.ID, &model.AllowListRef{ListID: l.ID, Name: l.Name}
		}
		if (p.Old == nil && p.New == nil) || (p.Old != nil && p.New != nil && p.Old.ListID == p.New.ListID) {
			return nil // no change, no event
		}
		if err := tx.SetDefaultAllowList(ctx, id); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, actor, p)
	}
}

// LinkAllowList links keys to a list. Each key needs the right to manage keys
// of its type (SPEC §1); one ApiKeyAllowListsChanged per key that changed.
func (s *Session) LinkAllowList(ctx context.Context, ref string, keyIDs []string) error {
	return s.relink(ctx, ref, keyIDs, true)
}

// UnlinkAllowList removes keys from a list.
func (s *Session) UnlinkAllowList(ctx context.Context, ref string, keyIDs []string) error {
	return s.relink(ctx, ref, keyIDs, false)
}

func (s *Session) relink(ctx context.Context, ref string, keyIDs []string, link bool) error {
	if len(keyIDs) == 0 {
		return model.Invalid("key", "Name at least one key id.")
	}
	return s.b.store.Update(ctx, func(tx store.Tx) error { return s.relinkIn(ctx, tx, ref, keyIDs, link) })
}

// DryRunLinkAllowList is which keys LinkAllowList would refuse from which of
// their recent addresses; it changes nothing.
func (s *Session) DryRunLinkAllowList(ctx context.Context, ref string, keyIDs []string) ([]RefusedKey, error) {
	if len(keyIDs) == 0 {
		return nil, model.Invalid("key", "Name at least one key id.")
	}
	return s.dryRun(ctx, func(tx store.Tx) error { return s.relinkIn(ctx, tx, ref, keyIDs, true) })
}

func (s *Session) relinkIn(ctx context.Context, tx store.Tx, ref string, keyIDs []string, link bool) error {
	{
		l, err := resolveAllowList(ctx, tx, ref)
		if err != nil {
			return err
		}
		lists, err := tx.AllowLists(ctx)
		if err != nil {
			return err
		}
		for _, id := range keyIDs {
			k, actor, err := s.loadForChange(ctx, tx, strings.TrimSpace(id), 0)
			if err != nil {
				return err
			}
			before, err := tx.KeyAllowListIDs(ctx, k.ID)
			if err != nil {
				return err
			}
			var changed bool
			if link {
				changed, err = tx.LinkAllowList(ctx, k.ID, l.ID)
			} else {
				changed, err = tx.UnlinkAllowList(ctx, k.ID, l.ID)
			}
			if err != nil || !changed {
				return err
			}
			after, err := tx.KeyAllowListIDs(ctx, k.ID)
			if err != nil {
				return err
			}
			p := model.ApiKeyAllowListsChangedPayload{KeyRef: model.KeyRefOf(k),
				AllowLists: model.Change[[]model.AllowListRef]{Old: refsOf(lists, before), New: refsOf(lists, after)}}
			if err := s.appendEvent(ctx, tx, actor, p); err != nil {
				return err
			}
		}
		return nil
	}
}

func refsOf(lists []model.AllowList, ids []string) []model.AllowListRef {
	out := []model.AllowListRef{}
	for _, l := range lists {
		if slices.Contains(ids, l.ID) {
			out = append(out, model.AllowListRefOf(l))
		}
	}
	return out
}

// KeyAllowLists is each key's own lists (ids), as the index holds them, for
// listings; keys under no list of their own are absent.
func (s *Session) KeyAllowLists(ctx context.Context) (map[string][]string, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewKeys, ""); err != nil {
		return nil, err
	}
	links, err := s.b.store.AllowListLinks(ctx)
	out := map[string][]string{}
	for _, l := range links {
		out[l.KeyID] = append(out[l.KeyID], l.ListID)
	}
	return out, err
}

// copyAllowLists links a rotation's new key to the old key's lists: rotating
// a key must not lift its restriction.
func copyAllowLists(ctx context.Context, tx store.Tx, from, to string) error {
	ids, err := tx.KeyAllowListIDs(ctx, from)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.LinkAllowList(ctx, to, id); err != nil {
			return err
		}
	}
	return nil
}
