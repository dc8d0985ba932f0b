package postgres

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

const allowListColumns = `id, name, description, entries, is_default, created_at, created_by, updated_at, version`

func scanAllowList(sc interface{ Scan(...any) error }) (model.AllowList, error) {
	var (
		l       model.AllowList
		entries string
	)
	if err := sc.Scan(&l.ID, &l.Name, &l.Description, &entries, &l.Default, &l.CreatedAt, &l.CreatedBy, &l.UpdatedAt, &l.Version); err != nil {
		return l, err
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	for _, f := range strings.Fields(entries) {
		// A row that doesn't parse is an error, never a list that allows
		// less (or more) than it says.
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return l, err
		}
		l.Entries = append(l.Entries, p)
	}
	return l, nil
}

func joinEntries(ps []netip.Prefix) string { return strings.Join(model.EntryStrings(ps), " ") }

// AllowLists lists every list by name.
func (r reader) AllowLists(ctx context.Context) ([]model.AllowList, error) {
	rows, err := r.q.Query(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists ORDER BY name_key, id`)
	if err != nil {
		return nil, wrap("list allow lists", err)
	}
	defer rows.Close()
	var out []model.AllowList
	for rows.Next() {
		l, err := scanAllowList(rows)
		if err != nil {
			return nil, wrap("list allow lists", err)
		}
		out = append(out, l)
	}
	return out, wrap("list allow lists", rows.Err())
}

// AllowList returns one list by id.
func (r reader) AllowList(ctx context.Context, id string) (model.AllowList, error) {
	l, err := scanAllowList(r.q.QueryRow(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return l, model.NotFound("No IP allow list with id %s.", model.Quote(id))
	}
	return l, wrap("read allow list", err)
}

// AllowListByName matches case-insensitively.
func (r reader) AllowListByName(ctx context.Context, name string) (model.AllowList, error) {
	l, err := scanAllowList(r.q.QueryRow(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists WHERE name_key = $1`, strings.ToLower(name)))
	if errors.Is(err, pgx.ErrNoRows) {
		return l, model.NotFound("No IP allow list named %s.", model.Quote(name))
	}
	return l, wrap("read allow list", err)
}

// AllowListLinks lists every link.
func (r reader) AllowListLinks(ctx context.Context) ([]store.AllowListLink, error) {
	rows, err := r.q.Query(ctx, `SELECT key_id, list_id FROM api_key_allow_lists ORDER BY key_id, list_id`)
	if err != nil {
		return nil, wrap("list allow-list links", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AllowListLink, error) {
		var l store.AllowListLink
		err := row.Scan(&l.KeyID, &l.ListID)
		return l, err
	})
	return out, wrap("list allow-list links", err)
}

// KeyAllowListIDs lists a key's lists.
func (r reader) KeyAllowListIDs(ctx context.Context, keyID string) ([]string, error) {
	rows, err := r.q.Query(ctx, `SELECT list_id FROM api_key_allow_lists WHERE key_id = $1 ORDER BY list_id`, keyID)
	if err != nil {
		return nil, wrap("list a key's allow lists", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list a key's allow lists", err)
}

// nameFree checks the name before a write: a unique violation would abort the
// whole transaction, and the caller's audit event with it.
func (t *tx) nameFree(ctx context.Context, name, id string) error {
	var other string
	err := t.tx.QueryRow(ctx, `SELECT id FROM ip_allow_lists WHERE name_key = $1 AND id <> $2`, strings.ToLower(name), id).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return wrap("check allow list name", err)
	}
	return model.Conflict("An IP allow list named %s already exists.", model.Quote(name))
}

// InsertAllowList stores a new list.
func (t *tx) InsertAllowList(ctx context.Context, l model.AllowList) error {
	if err := t.nameFree(ctx, l.Name, l.ID); err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO ip_allow_lists
		(id, name, name_key, description, entries, is_default, created_at, created_by, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, false, $6, $7, $8, 1) ON CONFLICT DO NOTHING`,
		l.ID, l.Name, strings.ToLower(l.Name), l.Description, joinEntries(l.Entries),
		ts(l.CreatedAt), l.CreatedBy, ts(l.UpdatedAt))
	if err != nil {
		return wrap("insert allow list", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Conflict("An IP allow list with id %s already exists.", model.Quote(l.ID))
	}
	return nil
}

// UpdateAllowList writes a list under its version.
func (t *tx) UpdateAllowList(ctx context.Context, l model.AllowList) (model.AllowList, error) {
	if _, err := t.AllowList(ctx, l.ID); err != nil {
		return l, err
	}
	if err := t.nameFree(ctx, l.Name, l.ID); err != nil {
		return l, err
	}
	out, err := scanAllowList(t.tx.QueryRow(ctx, `UPDATE ip_allow_lists SET name = $1, name_key = $2, description = $3,
		entries = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7
		RETURNING `+allowListColumns,
		l.Name, strings.ToLower(l.Name), l.Description, joinEntries(l.Entries), ts(l.UpdatedAt), l.ID, l.Version))
	if errors.Is(err, pgx.ErrNoRows) {
		return l, model.Conflict("The IP allow list %s changed since it was read.", model.Quote(l.Name))
	}
	return out, wrap("update allow list", err)
}

// DeleteAllowList removes a list; its links cascade.
func (t *tx) DeleteAllowList(ctx context.Context, id string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM ip_allow_lists WHERE id = $1`, id)
	if err != nil {
		return wrap("delete allow list", err)
	}
	if tag.RowsAffected() == 0 {
		return model.NotFound("No IP allow list with id %s.", model.Quote(id))
	}
	return nil
}

// SetDefaultAllowList moves the default flag.
func (t *tx) SetDefaultAllowList(ctx context.Context, id string) error {
	if id != "" {
		if _, err := t.AllowList(ctx, id); err != nil {
			return err
		}
	}
	if _, err := t.tx.Exec(ctx, `UPDATE ip_allow_lists SET is_default = false WHERE is_default AND id <> $1`, id); err != nil {
		return wrap("clear default allow list", err)
	}
	if id == "" {
		return nil
	}
	_, err := t.tx.Exec(ctx, `UPDATE ip_allow_lists SET is_default = true WHERE id = $1 AND NOT is_default`, id)
	return wrap("set default allow list", err)
}

// LinkAllowList links a key to a list.
func (t *tx) LinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `INSERT INTO api_key_allow_lists (key_id, list_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, keyID, listID)
	if err != nil {
		return false, wrap("link allow list", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UnlinkAllowList removes a link.
func (t *tx) UnlinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM api_key_allow_lists WHERE key_id = $1 AND list_id = $2`, keyID, listID)
	if err != nil {
		return false, wrap("unlink allow list", err)
	}
	return tag.RowsAffected() == 1, nil
}
