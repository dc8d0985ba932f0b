-- Change sequences for the change feed (feed.go). Another process on the same file
-- learns that something was committed from PRAGMA data_version; these say what:
--
--   change_seq.keys     (0002) stamps every inserted or updated key row;
--   change_seq.members  stamps every inserted or updated member row, and the
--                       member's row again when one of its SSH keys comes or goes;
--   change_seq.events   counts appended audit events;
--   change_seq.gaps     counts changes a stamp can't name (a key or member row
--                       physically deleted): the feed then tells everyone to resync.
--
-- Numbered 0004, not 0003: a migration for workspace settings was being written at
-- the same time; the gap is harmless (migrate applies whatever it has not seen).
ALTER TABLE change_seq ADD COLUMN members INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_seq ADD COLUMN events  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_seq ADD COLUMN gaps    INTEGER NOT NULL DEFAULT 0;

ALTER TABLE members ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX members_change_seq ON members (change_seq);

CREATE TRIGGER members_stamp_insert AFTER INSERT ON members
BEGIN
    UPDATE change_seq SET members = members + 1;
    UPDATE members SET change_seq = (SELECT members FROM change_seq) WHERE rowid = NEW.rowid;
END;

-- As for keys (0002): the WHEN clause skips the trigger's own UPDATE.
CREATE TRIGGER members_stamp_update AFTER UPDATE ON members
WHEN NEW.change_seq IS OLD.change_seq
BEGIN
    UPDATE change_seq SET members = members + 1;
    UPDATE members SET change_seq = (SELECT members FROM change_seq) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER member_ssh_keys_stamp_insert AFTER INSERT ON member_ssh_keys
BEGIN
    UPDATE change_seq SET members = members + 1;
    UPDATE members SET change_seq = (SELECT members FROM change_seq) WHERE id = NEW.member_id;
END;

CREATE TRIGGER member_ssh_keys_stamp_delete AFTER DELETE ON member_ssh_keys
BEGIN
    UPDATE change_seq SET members = members + 1;
    UPDATE members SET change_seq = (SELECT members FROM change_seq) WHERE id = OLD.member_id;
END;

CREATE TRIGGER members_gap_delete AFTER DELETE ON members
BEGIN
    UPDATE change_seq SET gaps = gaps + 1;
END;

CREATE TRIGGER api_keys_gap_delete AFTER DELETE ON api_keys
BEGIN
    UPDATE change_seq SET gaps = gaps + 1;
END;

CREATE TRIGGER audit_events_count AFTER INSERT ON audit_events
BEGIN
    UPDATE change_seq SET events = events + 1;
END;
