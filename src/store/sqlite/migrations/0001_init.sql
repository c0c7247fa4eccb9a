-- 0001_init.sql: apps, users, identities, sessions.
-- Ids are 12-byte ObjectId BLOBs, time-ordered, so every primary key grows at
-- its right edge. Sessions are found by their own id; the secret's hash is
-- checked after the read (no index on a random value).
CREATE TABLE apps (
  id BLOB PRIMARY KEY,
  client_app_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  providers TEXT NOT NULL,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
  id BLOB PRIMARY KEY,
  app_id BLOB NOT NULL,
  type TEXT NOT NULL,
  data TEXT,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE identities (
  user_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  app_id BLOB NOT NULL,
  provider_type TEXT NOT NULL,
  provider_id BLOB NOT NULL,
  identity_id TEXT NOT NULL,
  PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;

-- Anonymous identities are never looked up by id, so they stay out of the
-- (random-keyed) lookup index.
CREATE UNIQUE INDEX identities_by_provider
  ON identities (app_id, provider_type, identity_id) WHERE provider_type <> 'anon-user';

CREATE TABLE sessions (
  id BLOB PRIMARY KEY,
  user_id BLOB NOT NULL,
  secret_hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  device_id BLOB NOT NULL,
  device TEXT
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);
