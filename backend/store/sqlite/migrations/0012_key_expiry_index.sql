-- The expiry banner counts the keys that expire within a week: from this
-- index it reads those few, not every key (a million of them took half a
-- gigabyte of memory in the key cache).
CREATE INDEX api_keys_expires ON api_keys (expires_at) WHERE deleted_at IS NULL;
