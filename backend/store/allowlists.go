package store

import (
	"context"

	"github.com/apikeys-dev/apikeys/model"
)

// AllowListReader reads IP allow lists and their links to keys (SPEC §10).
type AllowListReader interface {
	// AllowLists lists every list by name (case-insensitively, then id), with
	// its entries and whether it is the default.
	AllowLists(ctx context.Context) ([]model.AllowList, error)
	// AllowList returns one list by id, or KindNotFound.
	AllowList(ctx context.Context, id string) (model.AllowList, error)
	// AllowListByName matches case-insensitively; KindNotFound if none.
	AllowListByName(ctx context.Context, name string) (model.AllowList, error)
	// AllowListLinks lists every link between a key and a list, by key id then
	// list id.
	AllowListLinks(ctx context.Context) ([]AllowListLink, error)
	// KeyAllowListIDs lists the ids of the lists a key is linked to, sorted.
	KeyAllowListIDs(ctx context.Context, keyID string) ([]string, error)
}

// AllowListLink is one key linked to one list.
type AllowListLink struct {
	KeyID, ListID string
}

// AllowListTx writes IP allow lists inside a transaction.
type AllowListTx interface {
	AllowListReader

	// InsertAllowList stores a new list at Version 1, not the default. A name
	// already in use (case-insensitively) is KindConflict.
	InsertAllowList(ctx context.Context, l model.AllowList) error
	// UpdateAllowList writes name, description, entries and updated-at if the
	// stored version equals l.Version, and returns the list at its new version.
	// A different stored version is KindConflict, and so is a name in use.
	UpdateAllowList(ctx context.Context, l model.AllowList) (model.AllowList, error)
	// DeleteAllowList removes a list with its links; KindNotFound if none.
	DeleteAllowList(ctx context.Context, id string) error
	// SetDefaultAllowList makes the list with this id the workspace's default,
	// the only one; "" leaves no default. KindNotFound for an unknown id.
	SetDefaultAllowList(ctx context.Context, id string) error
	// LinkAllowList links a key to a list; linking twice is no change and
	// reports false.
	LinkAllowList(ctx context.Context, keyID, listID string) (bool, error)
	// UnlinkAllowList removes a link; false if there was none.
	UnlinkAllowList(ctx context.Context, keyID, listID string) (bool, error)
}

// InsertAllowList notes an allow-list notice.
func (r *RecordingTx) InsertAllowList(ctx context.Context, l model.AllowList) error {
	err := r.Tx.InsertAllowList(ctx, l)
	if err == nil {
		r.note(NoticeAllowList, l.ID, 1)
	}
	return err
}

// UpdateAllowList notes an allow-list notice at the new version.
func (r *RecordingTx) UpdateAllowList(ctx context.Context, l model.AllowList) (model.AllowList, error) {
	out, err := r.Tx.UpdateAllowList(ctx, l)
	if err == nil {
		r.note(NoticeAllowList, out.ID, out.Version)
	}
	return out, err
}

// DeleteAllowList notes an allow-list notice.
func (r *RecordingTx) DeleteAllowList(ctx context.Context, id string) error {
	err := r.Tx.DeleteAllowList(ctx, id)
	if err == nil {
		r.note(NoticeAllowList, id, 0)
	}
	return err
}

// SetDefaultAllowList notes an allow-list notice (of the new default, or none).
func (r *RecordingTx) SetDefaultAllowList(ctx context.Context, id string) error {
	err := r.Tx.SetDefaultAllowList(ctx, id)
	if err == nil {
		r.note(NoticeAllowList, id, 0)
	}
	return err
}

// LinkAllowList notes an allow-list notice when the link is new.
func (r *RecordingTx) LinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	changed, err := r.Tx.LinkAllowList(ctx, keyID, listID)
	if err == nil && changed {
		r.note(NoticeAllowList, listID, 0)
	}
	return changed, err
}

// UnlinkAllowList notes an allow-list notice when a link went.
func (r *RecordingTx) UnlinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	changed, err := r.Tx.UnlinkAllowList(ctx, keyID, listID)
	if err == nil && changed {
		r.note(NoticeAllowList, listID, 0)
	}
	return changed, err
}
