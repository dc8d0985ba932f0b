-- A last use is not an edit. TouchKeys writes last_used_at and last_used_addr for
-- every key used in the last 100 ms; under 0002's update trigger each of those
-- writes also bumped change_seq.keys and rewrote the row with its new stamp, and
-- the change feed then announced every used key to every subscriber. A profile of
-- `serve` checking 100,000 distinct keys put a third of its CPU there.
--
-- Uses get a sequence of their own, which the key list cache (keycache.go) reads
-- and the change feed (feed.go) does not:
--
--   change_seq.uses   is bumped once per TouchKey(s) transaction;
--   api_keys.use_seq  is set to it, in the same UPDATE, on every row that
--                     transaction touched.
--
-- So the list still shows "Last used" fresh (the cache reads rows whose change_seq
-- or use_seq moved), while the feed's key notices and the key index see only edits.
ALTER TABLE change_seq ADD COLUMN uses INTEGER NOT NULL DEFAULT 0;

-- Rows already here are stamped 0: a cache always starts with a full read.
ALTER TABLE api_keys ADD COLUMN use_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_use_seq ON api_keys (use_seq);

-- 0002's trigger, skipping rows whose use_seq moved: only TouchKey(s) set use_seq,
-- and they set nothing but the last-use columns. Every other column, present and
-- future, still stamps the row, as before. (An UPDATE OF column list would skip
-- the trigger at no cost at all, but would silently miss a column added later.)
DROP TRIGGER api_keys_stamp_update;
CREATE TRIGGER api_keys_stamp_update AFTER UPDATE ON api_keys
WHEN NEW.change_seq IS OLD.change_seq AND NEW.use_seq IS OLD.use_seq
BEGIN
    UPDATE change_seq SET keys = keys + 1;
    UPDATE api_keys SET change_seq = (SELECT keys FROM change_seq) WHERE rowid = NEW.rowid;
END;
