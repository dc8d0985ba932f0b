-- A random key per workspace signs the Audit Logs API's page tokens
-- (backend/events.go). It used to be derived from the workspace id, which is no
-- secret. A new workspace gets 32 bytes from crypto/rand (CreateWorkspace); a
-- workspace already here gets two random UUIDs' bytes (gen_random_uuid draws on
-- the server's strong random source; 244 random bits). The volatile default is
-- evaluated for every existing row, then dropped: inserts name the key.
ALTER TABLE workspace ADD COLUMN page_token_key bytea NOT NULL
    DEFAULT (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
ALTER TABLE workspace ALTER COLUMN page_token_key DROP DEFAULT;
