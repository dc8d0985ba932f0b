-- The first schema: the SQLite store's, in PostgreSQL types. Times are timestamptz
-- (microseconds, like the SQLite store keeps them).
--
-- Every text column is COLLATE "C": ids and names then sort and compare byte by
-- byte, exactly as in SQLite, whatever collation the database was created with,
-- and columns compared with each other (api_keys.created_by = members.id) never
-- mix collations.

-- One workspace per database: the CHECK keeps a second row out.
CREATE TABLE workspace (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    id         text        COLLATE "C" NOT NULL,
    name       text        COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL
);

-- Emails are stored lower-case (by the store, in Go, the same lower-casing the
-- SQLite store uses), so the plain unique index makes them unique
-- case-insensitively.
CREATE TABLE members (
    id           text        COLLATE "C" PRIMARY KEY,
    name         text        COLLATE "C" NOT NULL,
    email        text        COLLATE "C" NOT NULL,
    account_type text        COLLATE "C" NOT NULL,
    status       text        COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    updated_by   text        COLLATE "C" NOT NULL DEFAULT '',
    version      bigint      NOT NULL
);
CREATE UNIQUE INDEX members_email ON members (email);
CREATE INDEX members_name ON members (name, id);

-- A fingerprint identifies one member at SSH sign-in, so it is unique across the
-- workspace, not per member.
CREATE TABLE member_ssh_keys (
    fingerprint text        COLLATE "C" PRIMARY KEY,
    member_id   text        COLLATE "C" NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    public_key  text        COLLATE "C" NOT NULL,
    comment     text        COLLATE "C" NOT NULL DEFAULT '',
    added_at    timestamptz NOT NULL
);
CREATE INDEX member_ssh_keys_member ON member_ssh_keys (member_id, added_at);

-- Deleted keys stay as tombstones (deleted_at set) for the audit trail. The
-- secret is never stored: only its SHA-256, unique so a look-up finds one key.
CREATE TABLE api_keys (
    id             text        COLLATE "C" PRIMARY KEY,
    name           text        COLLATE "C" NOT NULL,
    type           text        COLLATE "C" NOT NULL,
    hint           text        COLLATE "C" NOT NULL,
    hash           bytea       NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text        COLLATE "C" NOT NULL,
    expires_at     timestamptz NOT NULL,
    last_used_at   timestamptz,
    last_used_addr text        COLLATE "C" NOT NULL DEFAULT '',
    rotated_from   text        COLLATE "C" NOT NULL DEFAULT '',
    replaced_by    text        COLLATE "C" NOT NULL DEFAULT '',
    deleted_at     timestamptz,
    updated_at     timestamptz NOT NULL,
    updated_by     text        COLLATE "C" NOT NULL DEFAULT '',
    version        bigint      NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE INDEX api_keys_created ON api_keys (created_at DESC, id DESC);

-- Audit events are listed newest first by ingestion time, ties by id; the indexes
-- serve that order and keyset paging, with and without a type filter. The payload
-- is json, not jsonb: json keeps the text exactly as written (key order, spacing,
-- duplicate keys), as the SQLite store does, while still refusing invalid JSON.
CREATE TABLE audit_events (
    id           text        COLLATE "C" PRIMARY KEY,
    type         text        COLLATE "C" NOT NULL,
    event_ts     timestamptz NOT NULL,
    ingestion_ts timestamptz NOT NULL,
    actor_type   text        COLLATE "C" NOT NULL,
    actor_id     text        COLLATE "C" NOT NULL,
    actor_name   text        COLLATE "C" NOT NULL,
    actor_email  text        COLLATE "C" NOT NULL DEFAULT '',
    source       text        COLLATE "C" NOT NULL,
    payload      json        NOT NULL
);
CREATE INDEX audit_events_order ON audit_events (ingestion_ts DESC, id DESC);
CREATE INDEX audit_events_type_order ON audit_events (type, ingestion_ts DESC, id DESC);
