-- The first schema. Times are INTEGER unix microseconds, UTC. Tables are STRICT so a
-- wrong type is an error rather than a silently coerced value.

-- One workspace per database: the CHECK keeps a second row out.
CREATE TABLE workspace (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    id         TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Emails are stored lower-case, so the plain unique index makes them unique
-- case-insensitively.
CREATE TABLE members (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    account_type TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL DEFAULT '',
    version      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX members_email ON members (email);
CREATE INDEX members_name ON members (name, id);

-- A fingerprint identifies one member at SSH sign-in, so it is unique across
-- the workspace, not per member.
CREATE TABLE member_ssh_keys (
    fingerprint TEXT    PRIMARY KEY,
    member_id   TEXT    NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    public_key  TEXT    NOT NULL,
    comment     TEXT    NOT NULL DEFAULT '',
    added_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX member_ssh_keys_member ON member_ssh_keys (member_id, added_at);

-- Deleted keys stay as tombstones (deleted_at set) for the audit trail. The
-- secret is never stored: only its SHA-256, unique so a look-up finds one key.
CREATE TABLE api_keys (
    id             TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    hint           TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    last_used_addr TEXT    NOT NULL DEFAULT '',
    rotated_from   TEXT    NOT NULL DEFAULT '',
    replaced_by    TEXT    NOT NULL DEFAULT '',
    deleted_at     INTEGER,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE INDEX api_keys_created ON api_keys (created_at, id);

-- Audit events are listed newest first by ingestion time, ties by id; the
-- indexes serve that order and keyset paging, with and without a type filter.
CREATE TABLE audit_events (
    id           TEXT    PRIMARY KEY,
    type         TEXT    NOT NULL,
    event_ts     INTEGER NOT NULL,
    ingestion_ts INTEGER NOT NULL,
    actor_type   TEXT    NOT NULL,
    actor_id     TEXT    NOT NULL,
    actor_name   TEXT    NOT NULL,
    actor_email  TEXT    NOT NULL DEFAULT '',
    source       TEXT    NOT NULL,
    payload      TEXT    NOT NULL CHECK (json_valid(payload))
) STRICT;
CREATE INDEX audit_events_order ON audit_events (ingestion_ts, id);
CREATE INDEX audit_events_type_order ON audit_events (type, ingestion_ts, id);
