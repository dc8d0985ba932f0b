package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strings"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

const allowListColumns = `id, name, description, entries, is_default, created_at, created_by, updated_at, version`

func scanAllowList(sc interface{ Scan(...any) error }) (model.AllowList, error) {
	var (
		l                model.AllowList
		entries          string
		def              int
		created, updated int64
	)
	if err := sc.Scan(&l.ID, &l.Name, &l.Description, &entries, &def, &created, &l.CreatedBy, &updated, &l.Version); err != nil {
		return l, err
	}
	var err error
	l.Entries, err = splitEntries(entries)
	l.Default, l.CreatedAt, l.UpdatedAt = def == 1, fromMicros(created), fromMicros(updated)
	return l, err
}

// splitEntries reads stored entries; a row that doesn't parse is an error,
// never a list that allows less (or more) than it says.
func splitEntries(s string) ([]netip.Prefix, error) {
	fields := strings.Fields(s)
	out := make([]netip.Prefix, 0, len(fields))
	for _, f := range fields {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func joinEntries(ps []netip.Prefix) string { return strings.Join(model.EntryStrings(ps), " ") }

// AllowLists lists every list by name.
func (r reader) AllowLists(ctx context.Context) ([]model.AllowList, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists ORDER BY name_key, id`)
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
	l, err := scanAllowList(r.q.QueryRowContext(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, model.NotFound("No IP allow list with id %s.", model.Quote(id))
	}
	return l, wrap("read allow list", err)
}

// AllowListByName matches case-insensitively.
func (r reader) AllowListByName(ctx context.Context, name string) (model.AllowList, error) {
	l, err := scanAllowList(r.q.QueryRowContext(ctx, `SELECT `+allowListColumns+` FROM ip_allow_lists WHERE name_key = ?`, strings.ToLower(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return l, model.NotFound("No IP allow list named %s.", model.Quote(name))
	}
	return l, wrap("read allow list", err)
}

// AllowListLinks lists every link.
func (r reader) AllowListLinks(ctx context.Context) ([]store.AllowListLink, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT key_id, list_id FROM api_key_allow_lists ORDER BY key_id, list_id`)
	if err != nil {
		return nil, wrap("list allow-list links", err)
	}
	defer rows.Close()
	var out []store.AllowListLink
	for rows.Next() {
		var l store.AllowListLink
		if err := rows.Scan(&l.KeyID, &l.ListID); err != nil {
			return nil, wrap("list allow-list links", err)
		}
		out = append(out, l)
	}
	return out, wrap("list allow-list links", rows.Err())
}

// KeyAllowListIDs lists a key's lists.
func (r reader) KeyAllowListIDs(ctx context.Context, keyID string) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT list_id FROM api_key_allow_lists WHERE key_id = ? ORDER BY list_id`, keyID)
	if err != nil {
		return nil, wrap("list a key's allow lists", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("list a key's allow lists", err)
		}
		out = append(out, id)
	}
	return out, wrap("list a key's allow lists", rows.Err())
}

func nameTaken(name string) error {
	return model.Conflict("An IP allow list named %s already exists.", model.Quote(name))
}

// InsertAllowList stores a new list.
func (t *tx) InsertAllowList(ctx context.Context, l model.AllowList) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ip_allow_lists
		(id, name, name_key, description, entries, is_default, created_at, created_by, updated_at, version)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, 1)`,
		l.ID, l.Name, strings.ToLower(l.Name), l.Description, joinEntries(l.Entries),
		micros(l.CreatedAt), l.CreatedBy, micros(l.UpdatedAt))
	switch {
	case uniqueViolation(err, "ip_allow_lists.name_key"):
		return nameTaken(l.Name)
	case uniqueViolation(err, "ip_allow_lists.id"):
		return model.Conflict("An IP allow list with id %s already exists.", model.Quote(l.ID))
	}
	return wrap("insert allow list", err)
}

// UpdateAllowList writes a list under its version.
func (t *tx) UpdateAllowList(ctx context.Context, l model.AllowList) (model.AllowList, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE ip_allow_lists SET name = ?, name_key = ?, description = ?,
		entries = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		l.Name, strings.ToLower(l.Name), l.Description, joinEntries(l.Entries), micros(l.UpdatedAt), l.ID, l.Version)
	if uniqueViolation(err, "ip_allow_lists.name_key") {
		return l, nameTaken(l.Name)
	}
	if err != nil {
		return l, wrap("update allow list", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return l, wrap("update allow list", err)
	} else if n == 0 {
		if _, err := t.AllowList(ctx, l.ID); err != nil {
			return l, err
		}
		return l, model.Conflict("The IP allow list %s changed since it was read.", model.Quote(l.Name))
	}
	return t.AllowList(ctx, l.ID)
}

// DeleteAllowList removes a list; its links cascade.
func (t *tx) DeleteAllowList(ctx context.Context, id string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM ip_allow_lists WHERE id = ?`, id)
	return allowListAffected(res, err, "delete allow list", id)
}

func allowListAffected(res sql.Result, err error, what, id string) error {
	if err != nil {
		return wrap(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(what, err)
	} else if n == 0 {
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
	if _, err := t.tx.ExecContext(ctx, `UPDATE ip_allow_lists SET is_default = 0 WHERE is_default = 1 AND id <> ?`, id); err != nil {
		return wrap("clear default allow list", err)
	}
	if id == "" {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, `UPDATE ip_allow_lists SET is_default = 1 WHERE id = ? AND is_default = 0`, id)
	return wrap("set default allow list", err)
}

// LinkAllowList links a key to a list.
func (t *tx) LinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO api_key_allow_lists (key_id, list_id) VALUES (?, ?)
		ON CONFLICT DO NOTHING`, keyID, listID)
	if err != nil {
		return false, wrap("link allow list", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("link allow list", err)
}

// UnlinkAllowList removes a link.
func (t *tx) UnlinkAllowList(ctx context.Context, keyID, listID string) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM api_key_allow_lists WHERE key_id = ? AND list_id = ?`, keyID, listID)
	if err != nil {
		return false, wrap("unlink allow list", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("unlink allow list", err)
}
