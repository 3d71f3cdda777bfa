-- Voicemails recorded by the voice edge (overflow or menu choice "leave a message").
-- The audio is a WAV file under <data-dir>/voicemail/, written to a temporary name and
-- renamed when complete; a row exists only for a complete file. Additive: a new table.
CREATE TABLE voicemails (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id       BIGINT,
    interaction_id BIGINT,
    caller_id      TEXT    NOT NULL,
    file_name      TEXT    NOT NULL,
    duration_ms    BIGINT  NOT NULL,
    size_bytes     BIGINT  NOT NULL,
    created_ms     BIGINT  NOT NULL,
    heard_ms       BIGINT
);
CREATE INDEX voicemails_tenant ON voicemails (tenant_id, id);
