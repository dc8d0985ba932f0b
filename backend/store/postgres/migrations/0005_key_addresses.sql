-- Where a key is used from (SPEC §10): one row per key, client address and UTC
-- day (unix seconds / 86400), written in the same transaction as the batched last
-- use (TouchKeys). uses counts the uses recorded, at most one a minute per key and
-- address. Rows older than 30 days are pruned by TouchKeys itself.
CREATE TABLE key_addresses (
    key_id     text        COLLATE "C" NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    addr       text        COLLATE "C" NOT NULL,
    day        integer     NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL,
    uses       bigint      NOT NULL,
    PRIMARY KEY (key_id, addr, day)
);
CREATE INDEX key_addresses_day ON key_addresses (day);
