-- Switchyard configuration and history (PostgreSQL dialect).
-- migrations/sqlite/0001_init.sql holds the same tables; only the key and type
-- spellings differ. Times are milliseconds since the Unix epoch; JSON is TEXT.

CREATE TABLE tenants (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_ms  BIGINT  NOT NULL
);

CREATE TABLE skills (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    UNIQUE (tenant_id, name)
);

CREATE TABLE schedules (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE queues (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    schedule_id BIGINT  REFERENCES schedules(id) ON DELETE SET NULL,
    settings    TEXT    NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE queue_numbers (
    number      TEXT    PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id    BIGINT  NOT NULL REFERENCES queues(id) ON DELETE CASCADE
);
CREATE INDEX queue_numbers_queue ON queue_numbers (queue_id);

CREATE TABLE agents (
    id                 BIGSERIAL PRIMARY KEY,
    tenant_id          BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name               TEXT    NOT NULL,
    sip_username       TEXT    UNIQUE,
    sip_password       TEXT,
    chat_login         TEXT    UNIQUE,
    chat_password_hash TEXT,
    settings           TEXT    NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE memberships (
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    agent_id    BIGINT  NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    queue_id    BIGINT  NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    penalty     BIGINT  NOT NULL DEFAULT 0,
    weight      BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (agent_id, queue_id)
);
CREATE INDEX memberships_queue ON memberships (queue_id);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    tenant_id    BIGINT  REFERENCES tenants(id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    agent_id     BIGINT  REFERENCES agents(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_sha256 TEXT    NOT NULL UNIQUE,
    created_ms   BIGINT  NOT NULL
);

CREATE TABLE sounds (
    id           BIGSERIAL PRIMARY KEY,
    tenant_id    BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    sample_rate  BIGINT  NOT NULL,
    duration_ms  BIGINT  NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    created_ms   BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE events (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT,
    time_ms        BIGINT  NOT NULL,
    interaction_id BIGINT,
    queue_id       BIGINT,
    agent_id       BIGINT,
    event          TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    queue_log      TEXT    NOT NULL
);
CREATE INDEX events_tenant_time ON events (tenant_id, time_ms);
CREATE INDEX events_queue ON events (queue_id, time_ms);
CREATE INDEX events_agent ON events (agent_id, time_ms);
CREATE INDEX events_interaction ON events (interaction_id);
