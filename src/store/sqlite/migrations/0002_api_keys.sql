-- 0002_api_keys.sql: user API keys of the api-key provider. Only the key's
-- SHA-256 is stored; the key names its own id, so login finds it by id.
CREATE TABLE api_keys (
  id BLOB PRIMARY KEY,
  app_id BLOB NOT NULL,
  user_id BLOB NOT NULL,
  name TEXT NOT NULL,
  key_hash BLOB NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX api_keys_by_user_name ON api_keys (user_id, name);
