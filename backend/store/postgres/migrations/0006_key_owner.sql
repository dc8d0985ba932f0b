-- A key's owner (SPEC §12): a member, the creator at first. '' reads as the
-- creator (a row written without one, by a bulk load).
ALTER TABLE api_keys ADD COLUMN owner_id text COLLATE "C" NOT NULL DEFAULT '';
UPDATE api_keys SET owner_id = created_by;
CREATE INDEX api_keys_owner ON api_keys (owner_id);
