-- Webhooks: endpoints, the outbox of deliveries written in the same transaction as
-- the change that caused them, each attempt, and the scheduled alerts already sent.
-- The signing secret is stored as is: the server must sign with it (it is an
-- HMAC key, not a password), and the file is private to its owner (mode 0600).
CREATE TABLE webhook_endpoints (
    id              TEXT    PRIMARY KEY,
    url             TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    events          TEXT    NOT NULL, -- space-separated event names
    format          TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT    NOT NULL DEFAULT '',
    failing_since   INTEGER,
    secret          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    id              TEXT    PRIMARY KEY,
    endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event           TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT ''
) STRICT;
-- The worker's question: what is due now?
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at, id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
) STRICT;

-- One row per key and alert ("expiring:7", "expired", "grace_ending"): the primary
-- key is what makes an alert go out once, whatever the number of instances or
-- restarts.
CREATE TABLE webhook_alerts (
    key_id TEXT    NOT NULL,
    alert  TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (key_id, alert)
) STRICT;
