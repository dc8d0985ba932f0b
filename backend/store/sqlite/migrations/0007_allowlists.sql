-- IP allow lists (SPEC §10): named lists of ranges, the keys linked to them, and
-- at most one default list. Entries are normalised prefixes, space-separated, in
-- the order given: a list is read and written whole.
CREATE TABLE ip_allow_lists (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE, -- the name lower-cased (Go's strings.ToLower)
    description TEXT    NOT NULL DEFAULT '',
    entries     TEXT    NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX ip_allow_lists_one_default ON ip_allow_lists (is_default) WHERE is_default = 1;

CREATE TABLE api_key_allow_lists (
    key_id  TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    list_id TEXT NOT NULL REFERENCES ip_allow_lists (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, list_id)
) STRICT;
CREATE INDEX api_key_allow_lists_list ON api_key_allow_lists (list_id);

-- The change feed (feed.go): change_seq.allowlists moves with every write to
-- either table, and the watcher of another process then sends one allow-list
-- notice; whoever holds the effective ranges reads them again (they are few).
ALTER TABLE change_seq ADD COLUMN allowlists INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER ip_allow_lists_seq_insert AFTER INSERT ON ip_allow_lists
BEGIN
    UPDATE change_seq SET allowlists = allowlists + 1;
END;
CREATE TRIGGER ip_allow_lists_seq_update AFTER UPDATE ON ip_allow_lists
BEGIN
    UPDATE change_seq SET allowlists = allowlists + 1;
END;
CREATE TRIGGER ip_allow_lists_seq_delete AFTER DELETE ON ip_allow_lists
BEGIN
    UPDATE change_seq SET allowlists = allowlists + 1;
END;
CREATE TRIGGER api_key_allow_lists_seq_insert AFTER INSERT ON api_key_allow_lists
BEGIN
    UPDATE change_seq SET allowlists = allowlists + 1;
END;
CREATE TRIGGER api_key_allow_lists_seq_delete AFTER DELETE ON api_key_allow_lists
BEGIN
    UPDATE change_seq SET allowlists = allowlists + 1;
END;
