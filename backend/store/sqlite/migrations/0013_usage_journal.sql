-- The usage journal (backend/store/journal.go): each batch of last uses,
-- addresses and counts the usage recorder writes (every 100 ms) is one row,
-- appended: one sequential insert instead of an update per key. A compaction
-- (every minute, and on Flush) folds the rows into api_keys, key_addresses and
-- key_usage in key order and deletes them in the same transaction.
CREATE TABLE usage_journal (
    seq  INTEGER PRIMARY KEY,
    data BLOB    NOT NULL
) STRICT;
