-- Per-tenant security settings (issue 14): the key that signs the tenant's priority
-- (widget) tokens, rotatable, and the callback dialling policy (JSON; NULL: the
-- defaults, which deny international and premium-rate numbers). A table of its own so
-- it adds nothing to `tenants`.
CREATE TABLE tenant_security (
    tenant_id       BIGINT  PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    token_secret    TEXT    NOT NULL,
    callback_policy TEXT
);
