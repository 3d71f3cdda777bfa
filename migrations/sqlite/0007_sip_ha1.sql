-- SIP passwords are kept as HA1 = H(user:realm:password) for MD5 and SHA-256, with the
-- realm they were computed for; the server converts any clear `sip_password` left by
-- older versions at start (Store::migrate) and then erases it, so the column stays NULL.
ALTER TABLE agents ADD COLUMN sip_ha1_md5 TEXT;
ALTER TABLE agents ADD COLUMN sip_ha1_sha256 TEXT;
ALTER TABLE agents ADD COLUMN sip_ha1_realm TEXT;
