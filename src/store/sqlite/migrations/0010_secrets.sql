-- 0010_secrets.sql: the Admin API's secrets. A value is sealed with the
-- master key (crypto/secret_box.h), which is never in this file: a copy of
-- the database alone reveals no secret.
CREATE TABLE secrets (
  app_id BLOB NOT NULL,
  id BLOB NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX secrets_by_name ON secrets (app_id, name);
