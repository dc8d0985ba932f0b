-- A random key per workspace signs the Audit Logs API's page tokens
-- (backend/events.go). It used to be derived from the workspace id, which is no
-- secret. A new workspace gets 32 bytes from crypto/rand (CreateWorkspace); a
-- workspace already here gets 32 from SQLite's generator (ChaCha20, seeded from
-- the OS). ADD COLUMN can't take a non-constant default, hence the UPDATE.
ALTER TABLE workspace ADD COLUMN page_token_key BLOB NOT NULL DEFAULT x'';
UPDATE workspace SET page_token_key = randomblob(32);
