-- Webhooks: endpoints, the outbox of deliveries written in the same transaction as
-- the change that caused them, each attempt, and the scheduled alerts already sent.
-- The signing secret is stored as is: the server must sign with it (an HMAC key,
-- not a password); access to the database is access to it.
CREATE TABLE webhook_endpoints (
    id              text        COLLATE "C" PRIMARY KEY,
    url             text        COLLATE "C" NOT NULL,
    description     text        COLLATE "C" NOT NULL DEFAULT '',
    events          text        COLLATE "C" NOT NULL, -- space-separated event names
    format          text        COLLATE "C" NOT NULL,
    enabled         boolean     NOT NULL,
    disabled_reason text        COLLATE "C" NOT NULL DEFAULT '',
    failing_since   timestamptz,
    secret          text        COLLATE "C" NOT NULL,
    created_at      timestamptz NOT NULL,
    created_by      text        COLLATE "C" NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              text        COLLATE "C" PRIMARY KEY,
    endpoint_id     text        COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event           text        COLLATE "C" NOT NULL,
    body            bytea       NOT NULL,
    state           text        COLLATE "C" NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_status     integer     NOT NULL DEFAULT 0,
    last_error      text        COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at, id);

CREATE TABLE webhook_attempts (
    delivery_id text        COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n           integer     NOT NULL,
    at          timestamptz NOT NULL,
    status      integer     NOT NULL,
    error       text        COLLATE "C" NOT NULL DEFAULT '',
    duration_us bigint      NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

CREATE TABLE webhook_alerts (
    key_id text        COLLATE "C" NOT NULL,
    alert  text        COLLATE "C" NOT NULL,
    at     timestamptz NOT NULL,
    PRIMARY KEY (key_id, alert)
);
