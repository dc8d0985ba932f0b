-- Where a key is used from (SPEC §10): one row per key, client address and UTC
-- day (unix seconds / 86400), written in the same transaction as the batched last
-- use (TouchKeys). uses counts the uses recorded, at most one a minute per key and
-- address. Rows older than 30 days are pruned by TouchKeys itself.
CREATE TABLE key_addresses (
    key_id     TEXT    NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    addr       TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    uses       INTEGER NOT NULL,
    PRIMARY KEY (key_id, addr, day)
) STRICT;
CREATE INDEX key_addresses_day ON key_addresses (day);
