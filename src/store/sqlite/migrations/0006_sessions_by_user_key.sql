-- 0006_sessions_by_user_key.sql: sessions keyed by (user_id, id). Both
-- tokens carry the user id beside the session id, so every lookup has both,
-- and a user's sessions (deleted with the user) are a range of the key: the
-- sessions_by_user index goes. A login wrote five B-trees, now four (about
-- 2.4 of the 21 WAL pages a commit of ~28 logins wrote; 30 bytes per user).
CREATE TABLE sessions_new (
  user_id BLOB NOT NULL,
  id BLOB NOT NULL,
  secret_hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  device_id BLOB NOT NULL,
  device TEXT,
  PRIMARY KEY (user_id, id)
) WITHOUT ROWID;
INSERT INTO sessions_new (user_id, id, secret_hash, created_at, expires_at, device_id, device)
  SELECT user_id, id, secret_hash, created_at, expires_at, device_id, device FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
