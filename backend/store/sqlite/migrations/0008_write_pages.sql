-- Fewer pages per write transaction. With synchronous=FULL every commit writes
-- each page it changed to the WAL (two write(2) calls a page) and fsyncs it, so a
-- key create costs about as many pages as the b-trees it touches. Counted from the
-- WAL of a store with 3,000 keys and five webhook endpoints, a create wrote 29:
--
-- * webhook_deliveries_endpoint took 5.45 of them: its entries sort by endpoint
--   first, so the five deliveries of one event land on five pages. Nothing hot
--   reads it: listing one endpoint's recent deliveries walks
--   webhook_deliveries_created from the newest (LIMIT), giving up an endpoint's
--   pending deliveries reads the small partial webhook_deliveries_due, and
--   deleting an endpoint (whose deliveries cascade) scans the table, which
--   pruning keeps to 30 days.
--
-- * api_keys_change_seq took 2.15: a new row came in with change_seq 0 (an entry at
--   the index's start) and 0002's trigger moved it to the end. InsertKey now stamps
--   the row itself with the next number, and the trigger writes the stamp only
--   when the row doesn't already carry it (a row inserted by anything else is
--   still stamped, as before).
DROP INDEX webhook_deliveries_endpoint;

DROP TRIGGER api_keys_stamp_insert;
CREATE TRIGGER api_keys_stamp_insert AFTER INSERT ON api_keys
BEGIN
    UPDATE change_seq SET keys = keys + 1;
    UPDATE api_keys SET change_seq = (SELECT keys FROM change_seq)
    WHERE rowid = NEW.rowid AND change_seq IS NOT (SELECT keys FROM change_seq);
END;
