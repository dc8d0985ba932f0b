-- The expiry banner counts the keys that expire within a week: from this
-- index it reads those few, not every key.
CREATE INDEX api_keys_expires ON api_keys (expires_at) WHERE deleted_at IS NULL;
