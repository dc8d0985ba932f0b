-- Checks per key and day (SPEC §12): one row per key, day in the workspace zone
-- (YYYY-MM-DD) and result (reason '' is a successful use, else the refusal
-- reason), n the checks counted. Written in the same transaction as the batched
-- last use (RecordUsage); days older than 90 are pruned by it.
CREATE TABLE key_usage (
    key_id TEXT    NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day    TEXT    NOT NULL,
    reason TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (key_id, day, reason)
) STRICT;
CREATE INDEX key_usage_day ON key_usage (day);
