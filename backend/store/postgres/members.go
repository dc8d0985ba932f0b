package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apikeys-dev/apikeys/model"
)

// memberColumns reads a member and, through the lateral join, its SSH keys as
// parallel arrays (oldest first), so a member comes whole from one statement and
// so from one snapshot, inside a transaction or not.
const memberColumns = `
	SELECT m.id, m.name, m.email, m.account_type, m.status, m.created_at,
	       m.updated_at, m.updated_by, m.version,
	       s.fingerprints, s.public_keys, s.comments, s.added
	FROM members m
	CROSS JOIN LATERAL (
		SELECT array_agg(fingerprint ORDER BY added_at, fingerprint) AS fingerprints,
		       array_agg(public_key ORDER BY added_at, fingerprint) AS public_keys,
		       array_agg(comment ORDER BY added_at, fingerprint) AS comments,
		       array_agg(added_at ORDER BY added_at, fingerprint) AS added
		FROM member_ssh_keys k WHERE k.member_id = m.id
	) s`

func scanMember(row pgx.Row) (model.Member, error) {
	var m model.Member
	var accountType, status string
	var fingerprints, publicKeys, comments []string
	var added []time.Time
	err := row.Scan(&m.ID, &m.Name, &m.Email, &accountType, &status, &m.CreatedAt,
		&m.UpdatedAt, &m.UpdatedBy, &m.Version,
		&fingerprints, &publicKeys, &comments, &added)
	if err != nil {
		return model.Member{}, err
	}
	m.AccountType = model.AccountType(accountType)
	m.Status = model.MemberStatus(status)
	m.CreatedAt = m.CreatedAt.UTC()
	m.UpdatedAt = m.UpdatedAt.UTC()
	m.SSHKeys = make([]model.SSHKey, len(fingerprints))
	for i := range fingerprints {
		m.SSHKeys[i] = model.SSHKey{
			Fingerprint: fingerprints[i],
			PublicKey:   publicKeys[i],
			Comment:     comments[i],
			AddedAt:     added[i].UTC(),
		}
	}
	return m, nil
}

func (r reader) member(ctx context.Context, where string, arg any, notFound error) (model.Member, error) {
	m, err := scanMember(r.q.QueryRow(ctx, memberColumns+` WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Member{}, notFound
	}
	if err != nil {
		return model.Member{}, wrap("read member", err)
	}
	return m, nil
}

func memberNotFound(id string) error {
	return model.NotFound("No member with id %s.", model.Quote(id))
}

// normalEmail is the form emails are stored and looked up in. Lower-casing in Go,
// not with SQL lower(), keeps it identical to the SQLite store whatever the
// database's locale.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Member returns a member by id, with SSH keys.
func (r reader) Member(ctx context.Context, id string) (model.Member, error) {
	return r.member(ctx, `m.id = $1`, id, memberNotFound(id))
}

// MemberByEmail matches case-insensitively: emails are stored lower-case.
func (r reader) MemberByEmail(ctx context.Context, email string) (model.Member, error) {
	return r.member(ctx, `m.email = $1`, normalEmail(email),
		model.NotFound("No member with email %s.", model.Quote(email)))
}

// MemberBySSHKey finds the member holding a key with this fingerprint.
func (r reader) MemberBySSHKey(ctx context.Context, fingerprint string) (model.Member, error) {
	return r.member(ctx, `m.id = (SELECT member_id FROM member_ssh_keys WHERE fingerprint = $1)`, fingerprint,
		model.NotFound("No member has the SSH key %s.", model.Sanitize(fingerprint)))
}

// Members lists members by name, then id, with SSH keys.
func (r reader) Members(ctx context.Context) ([]model.Member, error) {
	rows, err := r.q.Query(ctx, memberColumns+` ORDER BY m.name, m.id`)
	if err != nil {
		return nil, wrap("list members", err)
	}
	defer rows.Close()
	members := []model.Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, wrap("list members", err)
		}
		members = append(members, m)
	}
	return members, wrap("list members", rows.Err())
}

// CountActiveOwners counts active primary owners.
func (r reader) CountActiveOwners(ctx context.Context) (int, error) {
	var n int
	err := r.q.QueryRow(ctx, `SELECT count(*) FROM members WHERE account_type = $1 AND status = $2`,
		string(model.PrimaryOwner), string(model.StatusActive)).Scan(&n)
	return n, wrap("count owners", err)
}

// InsertMember stores a new member at version 1 with its SSH keys. Duplicates are
// found through ON CONFLICT DO NOTHING, so the caller's transaction stays usable;
// a refused SSH key removes the member row again (its keys go with it).
func (t *tx) InsertMember(ctx context.Context, m model.Member) error {
	email := normalEmail(m.Email)
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO members (id, name, email, account_type, status, created_at, updated_at, updated_by, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
		ON CONFLICT DO NOTHING`,
		m.ID, m.Name, email, string(m.AccountType), string(m.Status),
		ts(m.CreatedAt), ts(m.UpdatedAt), m.UpdatedBy)
	if err != nil {
		return wrap("insert member", err)
	}
	if tag.RowsAffected() == 0 {
		idTaken, err := exists(ctx, t.tx, "members", m.ID)
		if err != nil {
			return wrap("insert member", err)
		}
		if idTaken {
			return model.Conflict("A member with id %s already exists.", model.Quote(m.ID))
		}
		return model.Conflict("A member with this email already exists.")
	}
	for _, k := range m.SSHKeys {
		if err := t.insertSSHKey(ctx, m.ID, k); err != nil {
			if _, derr := t.tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, m.ID); derr != nil {
				return wrap("insert member", derr)
			}
			return err
		}
	}
	return nil
}

// UpdateMember writes name, account type, status and updated-at/by if the stored
// version is m.Version, checked in the UPDATE itself.
func (t *tx) UpdateMember(ctx context.Context, m model.Member) (model.Member, error) {
	tag, err := t.tx.Exec(ctx, `
		UPDATE members
		SET name = $3, account_type = $4, status = $5, updated_at = $6, updated_by = $7,
		    version = version + 1
		WHERE id = $1 AND version = $2`,
		m.ID, m.Version, m.Name, string(m.AccountType), string(m.Status), ts(m.UpdatedAt), m.UpdatedBy)
	if err != nil {
		return model.Member{}, wrap("update member", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Member{}, t.noRowUpdated(ctx, "members", m.ID, "member")
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
		return memberNotFound(memberID)
	}
	return t.insertSSHKey(ctx, memberID, k)
}

func (t *tx) insertSSHKey(ctx context.Context, memberID string, k model.SSHKey) error {
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO member_ssh_keys (fingerprint, member_id, public_key, comment, added_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`,
		k.Fingerprint, memberID, k.PublicKey, k.Comment, ts(k.AddedAt))
	if err != nil {
		return wrap("add SSH key", err)
	}
	if tag.RowsAffected() == 0 {
		return model.Conflict("The SSH key %s already belongs to a member.", model.Sanitize(k.Fingerprint))
	}
	return nil
}

// RemoveSSHKey detaches a key from this member only.
func (t *tx) RemoveSSHKey(ctx context.Context, memberID, fingerprint string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM member_ssh_keys WHERE member_id = $1 AND fingerprint = $2`,
		memberID, fingerprint)
	if err != nil {
		return wrap("remove SSH key", err)
	}
	if tag.RowsAffected() == 0 {
		return model.NotFound("The member has no SSH key %s.", model.Sanitize(fingerprint))
	}
	return nil
}
