-- Offline messages left in the chat widget after hours or on overflow to voicemail
-- (the chat form of voicemail). Additive: a new table only.
CREATE TABLE offline_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id       BIGINT,
    interaction_id BIGINT,
    name           TEXT    NOT NULL,
    contact        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    created_ms     BIGINT  NOT NULL
);
CREATE INDEX offline_messages_tenant ON offline_messages (tenant_id, id);
