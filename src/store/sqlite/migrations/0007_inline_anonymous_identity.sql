-- 0007_inline_anonymous_identity.sql: a new anonymous user's only identity
-- is kept in its users row (anon_identity, anon_provider_id) instead of a row
-- of identities: an anonymous sign-up then writes three B-trees instead of
-- four (the identities row was about 3.9 of the ~19 WAL pages of a commit of
-- ~28 sign-ups, and about 8% of a login's instructions). Users created
-- before keep their identities rows. user_identities is every identity of
-- every user, the inline one first (seq -1); readers use it or read both.
ALTER TABLE users ADD COLUMN anon_identity TEXT;
ALTER TABLE users ADD COLUMN anon_provider_id BLOB;
CREATE VIEW user_identities AS
  SELECT id AS user_id, -1 AS seq, app_id, 'anon-user' AS provider_type, anon_provider_id AS provider_id,
         anon_identity AS identity_id
    FROM users WHERE anon_identity IS NOT NULL
  UNION ALL
  SELECT user_id, seq, app_id, provider_type, provider_id, identity_id FROM identities;
