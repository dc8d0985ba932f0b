-- IP allow lists (SPEC §10): named lists of ranges, the keys linked to them, and
-- at most one default list. Entries are normalised prefixes, space-separated, in
-- the order given: a list is read and written whole. Changes reach the other
-- instances as 'a' notices of the change feed (feed.go).
CREATE TABLE ip_allow_lists (
    id          text        COLLATE "C" PRIMARY KEY,
    name        text        COLLATE "C" NOT NULL,
    name_key    text        COLLATE "C" NOT NULL, -- the name lower-cased (Go's strings.ToLower)
    description text        COLLATE "C" NOT NULL DEFAULT '',
    entries     text        COLLATE "C" NOT NULL,
    is_default  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    created_by  text        COLLATE "C" NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     bigint      NOT NULL
);
CREATE UNIQUE INDEX ip_allow_lists_name ON ip_allow_lists (name_key);
CREATE UNIQUE INDEX ip_allow_lists_one_default ON ip_allow_lists (is_default) WHERE is_default;

CREATE TABLE api_key_allow_lists (
    key_id  text COLLATE "C" NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    list_id text COLLATE "C" NOT NULL REFERENCES ip_allow_lists (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, list_id)
);
CREATE INDEX api_key_allow_lists_list ON api_key_allow_lists (list_id);
