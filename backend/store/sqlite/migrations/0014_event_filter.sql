-- The Audit log's filters by actor and by key are the store's, not the TUI's
-- over the events it had loaded: a page of one actor's events reads down this
-- index, as the type filter reads down audit_events_type_order.
CREATE INDEX audit_events_actor_order ON audit_events (actor_id, ingestion_ts, id);

-- The keys each event is about (model.AuditEvent.KeyIDs: the payload's keyId,
-- newKeyId and keyIds), written with the event. A page of one key's events
-- reads down the primary key in list order (ts is the event's ingestion_ts)
-- and looks each event up by id: at 1,000,000 events a key's page no longer
-- scans the log for the few that name it.
CREATE TABLE audit_event_keys (
    key_id   TEXT    NOT NULL,
    ts       INTEGER NOT NULL,
    event_id TEXT    NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, ts, event_id)
) STRICT, WITHOUT ROWID;

-- The events stored before: the same three fields, read here once.
INSERT OR IGNORE INTO audit_event_keys (key_id, ts, event_id)
SELECT k, ingestion_ts, id FROM (
    SELECT json_extract(payload, '$.keyId') AS k, ingestion_ts, id FROM audit_events
    UNION ALL
    SELECT json_extract(payload, '$.newKeyId'), ingestion_ts, id FROM audit_events
    UNION ALL
    SELECT j.value, e.ingestion_ts, e.id FROM audit_events e, json_each(e.payload, '$.keyIds') j
        WHERE json_type(e.payload, '$.keyIds') = 'array'
) WHERE typeof(k) = 'text' AND k <> '';
