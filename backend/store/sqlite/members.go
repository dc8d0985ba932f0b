package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
)

const memberColumns = `
	SELECT m.id, m.name, m.email, m.account_type, m.status, m.created_at,
	       m.updated_at, m.updated_by, m.version
	FROM members m`

func scanMember(row rowScanner) (model.Member, error) {
	var m model.Member
	var created, updated int64
	err := row.Scan(&m.ID, &m.Name, &m.Email, &m.AccountType, &m.Status, &created,
		&updated, &m.UpdatedBy, &m.Version)
	if err != nil {
		return model.Member{}, err
	}
	m.CreatedAt = fromMicros(created)
	m.UpdatedAt = fromMicros(updated)
	m.SSHKeys = []model.SSHKey{}
	return m, nil
}

// memberWithKeys reads a member and its SSH keys in one statement — a row per key,
// or one row of NULL key columns — so the read is consistent without a read
// transaction, and each look-up is one prepared statement: the SSH server reads
// members several times per session start.
const memberWithKeys = `
	SELECT m.id, m.name, m.email, m.account_type, m.status, m.created_at,
	       m.updated_at, m.updated_by, m.version,
	       k.fingerprint, k.public_key, k.comment, k.added_at
	FROM members m LEFT JOIN member_ssh_keys k ON k.member_id = m.id`

const sshKeyOrder = ` ORDER BY k.added_at, k.fingerprint`

// The member look-ups, prepared at open.
const (
	memberByIDQuery     = memberWithKeys + ` WHERE m.id = ?` + sshKeyOrder
	memberByEmailQuery  = memberWithKeys + ` WHERE m.email = ?` + sshKeyOrder
	memberBySSHKeyQuery = memberWithKeys + ` WHERE m.id = (SELECT member_id FROM member_ssh_keys WHERE fingerprint = ?)` + sshKeyOrder
)

// member reads the one member query (with one argument) finds, and its SSH keys.
func (r reader) member(ctx context.Context, query string, arg any, notFound error) (model.Member, error) {
	rows, err := r.query(ctx, query, arg)
	if err != nil {
		return model.Member{}, wrap("read member", err)
	}
	defer rows.Close()
	var m model.Member
	found := false
	for rows.Next() {
		var created, updated int64
		var fp, pub, comment sql.NullString
		var added sql.NullInt64
		err := rows.Scan(&m.ID, &m.Name, &m.Email, &m.AccountType, &m.Status, &created,
			&updated, &m.UpdatedBy, &m.Version, &fp, &pub, &comment, &added)
		if err != nil {
			return model.Member{}, wrap("read member", err)
		}
		if !found {
			found = true
			m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
			m.SSHKeys = []model.SSHKey{}
		}
		if fp.Valid {
			m.SSHKeys = append(m.SSHKeys, model.SSHKey{Fingerprint: fp.String, PublicKey: pub.String,
				Comment: comment.String, AddedAt: fromMicros(added.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return model.Member{}, wrap("read member", err)
	}
	if !found {
		return model.Member{}, notFound
	}
	return m, nil
}

// sshKeys returns the SSH keys of one member (or of everyone when memberID is
// empty), oldest first, by member id.
func sshKeys(ctx context.Context, q querier, memberID string) (map[string][]model.SSHKey, error) {
	query := `SELECT member_id, fingerprint, public_key, comment, added_at FROM member_ssh_keys`
	var args []any
	if memberID != "" {
		query += ` WHERE member_id = ?`
		args = append(args, memberID)
	}
	query += ` ORDER BY member_id, added_at, fingerprint`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("read SSH keys", err)
	}
	defer rows.Close()
	keys := map[string][]model.SSHKey{}
	for rows.Next() {
		var owner string
		var k model.SSHKey
		var added int64
		if err := rows.Scan(&owner, &k.Fingerprint, &k.PublicKey, &k.Comment, &added); err != nil {
			return nil, wrap("read SSH keys", err)
		}
		k.AddedAt = fromMicros(added)
		keys[owner] = append(keys[owner], k)
	}
	return keys, wrap("read SSH keys", rows.Err())
}

// Member returns a member by id, with SSH keys.
func (r reader) Member(ctx context.Context, id string) (model.Member, error) {
	return r.member(ctx, memberByIDQuery, id, model.NotFound("No member with id %s.", model.Quote(id)))
}

// MemberByEmail matches case-insensitively: emails are stored lower-case.
func (r reader) MemberByEmail(ctx context.Context, email string) (model.Member, error) {
	return r.member(ctx, memberByEmailQuery, strings.ToLower(strings.TrimSpace(email)),
		model.NotFound("No member with email %s.", model.Quote(email)))
}

// MemberBySSHKey finds the member holding a key with this fingerprint.
func (r reader) MemberBySSHKey(ctx context.Context, fingerprint string) (model.Member, error) {
	return r.member(ctx, memberBySSHKeyQuery, fingerprint,
		model.NotFound("No member has the SSH key %s.", model.Sanitize(fingerprint)))
}

// Members lists members by name, then id, with SSH keys.
func (r reader) Members(ctx context.Context) ([]model.Member, error) {
	var members []model.Member
	err := r.snapshot(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, memberColumns+` ORDER BY m.name, m.id`)
		if err != nil {
			return wrap("list members", err)
		}
		defer rows.Close()
		members = []model.Member{}
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return wrap("list members", err)
			}
			members = append(members, m)
		}
		if err := rows.Err(); err != nil {
			return wrap("list members", err)
		}
		keys, err := sshKeys(ctx, q, "")
		if err != nil {
			return err
		}
		for i := range members {
			if k := keys[members[i].ID]; k != nil {
				members[i].SSHKeys = k
			}
		}
		return nil
	})
	return members, err
}

// CountActiveOwners counts active primary owners.
func (r reader) CountActiveOwners(ctx context.Context) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE account_type = ? AND status = ?`,
		string(model.PrimaryOwner), string(model.StatusActive)).Scan(&n)
	return n, wrap("count owners", err)
}

// The member writes, prepared on the writer connection (stmts.go).
const (
	insertMemberQuery = `
		INSERT INTO members (id, name, email, account_type, status, created_at, updated_at, updated_by, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`
	updateMemberQuery = `
		UPDATE members
		SET name = ?, account_type = ?, status = ?, updated_at = ?, updated_by = ?,
		    version = version + 1
		WHERE id = ? AND version = ?`
	insertSSHKeyQuery = `
		INSERT INTO member_ssh_keys (fingerprint, member_id, public_key, comment, added_at)
		VALUES (?, ?, ?, ?, ?)`
	removeSSHKeyQuery = `DELETE FROM member_ssh_keys WHERE member_id = ? AND fingerprint = ?`
)

// InsertMember stores a new member at version 1 with its SSH keys. It runs in a
// savepoint so a refused SSH key leaves no member row behind in the transaction.
func (t *tx) InsertMember(ctx context.Context, m model.Member) (err error) {
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT insert_member`); err != nil {
		return wrap("insert member", err)
	}
	defer func() {
		// Without the caller's cancellation: the savepoint must be closed even
		// when ctx ended mid-insert.
		ctx := context.WithoutCancel(ctx)
		if err != nil {
			t.tx.ExecContext(ctx, `ROLLBACK TO insert_member`)
		}
		t.tx.ExecContext(ctx, `RELEASE insert_member`)
	}()
	_, err = t.exec(ctx, insertMemberQuery,
		m.ID, m.Name, strings.ToLower(m.Email), string(m.AccountType), string(m.Status),
		micros(m.CreatedAt), micros(m.UpdatedAt), m.UpdatedBy)
	switch {
	case uniqueViolation(err, "members.email"):
		return model.Conflict("A member with this email already exists.")
	case uniqueViolation(err, "members.id"):
		return model.Conflict("A member with id %s already exists.", model.Quote(m.ID))
	case err != nil:
		return wrap("insert member", err)
	}
	for _, k := range m.SSHKeys {
		if err := t.insertSSHKey(ctx, m.ID, k); err != nil {
			return err
		}
	}
	return nil
}

// UpdateMember writes name, account type, status and updated-at/by if the stored
// version is m.Version, checked in the UPDATE itself.
func (t *tx) UpdateMember(ctx context.Context, m model.Member) (model.Member, error) {
	res, err := t.exec(ctx, updateMemberQuery,
		m.Name, string(m.AccountType), string(m.Status), micros(m.UpdatedAt), m.UpdatedBy,
		m.ID, m.Version)
	if err != nil {
		return model.Member{}, wrap("update member", err)
	}
	if err := checkVersioned(ctx, t.tx, res, "members", m.ID, "member"); err != nil {
		return model.Member{}, err
	}
	return t.Member(ctx, m.ID)
}

// AddSSHKey attaches a key to a member.
func (t *tx) AddSSHKey(ctx context.Context, memberID string, k model.SSHKey) error {
	ok, err := exists(ctx, t.tx, "members", memberID)
	if err != nil {
		return wrap("add SSH key", err)
	}
	if !ok {
		return model.NotFound("No member with id %s.", model.Quote(memberID))
	}
	return t.insertSSHKey(ctx, memberID, k)
}

func (t *tx) insertSSHKey(ctx context.Context, memberID string, k model.SSHKey) error {
	_, err := t.exec(ctx, insertSSHKeyQuery,
		k.Fingerprint, memberID, k.PublicKey, k.Comment, micros(k.AddedAt))
	if uniqueViolation(err, "member_ssh_keys.fingerprint") {
		return model.Conflict("The SSH key %s already belongs to a member.", model.Sanitize(k.Fingerprint))
	}
	return wrap("add SSH key", err)
}

// RemoveSSHKey detaches a key from this member only.
func (t *tx) RemoveSSHKey(ctx context.Context, memberID, fingerprint string) error {
	res, err := t.exec(ctx, removeSSHKeyQuery, memberID, fingerprint)
	if err != nil {
		return wrap("remove SSH key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("remove SSH key", err)
	}
	if n == 0 {
		return model.NotFound("The member has no SSH key %s.", model.Sanitize(fingerprint))
	}
	return nil
}
