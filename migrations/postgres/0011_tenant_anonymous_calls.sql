-- Who may call (issue 14): a tenant opts in to calls from unauthenticated SIP sources
-- (neither a configured trunk nor an agent's phone). 0 = refused (403), the default.
ALTER TABLE tenants ADD COLUMN allow_anonymous_calls BIGINT NOT NULL DEFAULT 0;
