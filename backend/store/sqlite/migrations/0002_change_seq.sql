-- A change sequence for the key list cache (keycache.go). Reading 10,000 keys costs
-- tens of milliseconds in the pure-Go driver, so after a commit the cache reads only
-- the keys changed since its last read: those stamped with a higher change_seq.
--
-- change_seq.keys is the last stamp handed out to a key row. Writers are serialised
-- by SQLite's write lock, so stamps become visible in the order they were given:
-- a reader that saw stamp N has seen every row stamped up to N.
--
-- change_seq.epoch counts changes a per-row delta can't express: a member added,
-- removed or renamed (every key they created or edited shows their name) and a key
-- row physically deleted. When it moves, the cache reads the whole list again.
CREATE TABLE change_seq (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    keys      INTEGER NOT NULL,
    epoch     INTEGER NOT NULL
) STRICT;
INSERT INTO change_seq (singleton, keys, epoch) VALUES (1, 0, 0);

-- Rows already there are stamped 0: a cache always starts with a full read, which
-- covers them.
ALTER TABLE api_keys ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_change_seq ON api_keys (change_seq);

-- Every insert and every update stamps the row with the next number. The update
-- trigger covers every column, present and future, except the stamp itself: the
-- WHEN clause skips the trigger's own UPDATE (a new stamp always differs from the
-- old one), even on a connection that turned recursive_triggers on.
CREATE TRIGGER api_keys_stamp_insert AFTER INSERT ON api_keys
BEGIN
    UPDATE change_seq SET keys = keys + 1;
    UPDATE api_keys SET change_seq = (SELECT keys FROM change_seq) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER api_keys_stamp_update AFTER UPDATE ON api_keys
WHEN NEW.change_seq IS OLD.change_seq
BEGIN
    UPDATE change_seq SET keys = keys + 1;
    UPDATE api_keys SET change_seq = (SELECT keys FROM change_seq) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER api_keys_delete AFTER DELETE ON api_keys
BEGIN
    UPDATE change_seq SET epoch = epoch + 1;
END;

CREATE TRIGGER members_insert AFTER INSERT ON members
BEGIN
    UPDATE change_seq SET epoch = epoch + 1;
END;

CREATE TRIGGER members_delete AFTER DELETE ON members
BEGIN
    UPDATE change_seq SET epoch = epoch + 1;
END;

-- Account type, status and version changes leave the key list as it was.
CREATE TRIGGER members_rename AFTER UPDATE ON members
WHEN NEW.id IS NOT OLD.id OR NEW.name IS NOT OLD.name
BEGIN
    UPDATE change_seq SET epoch = epoch + 1;
END;
