-- 0004_lifecycle.sql: the anonymous-user lifecycle: which users are
-- anonymous (kept as a flag, recomputed whenever identities change), an index
-- of anonymous users by last activity for the inactivity job, a per-app count
-- of anonymous users kept by triggers (the anonymous-user cap reads one row),
-- the audit log of deletions, and the lease table that makes a background job
-- run once across every server sharing the database.
ALTER TABLE users ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;

UPDATE users SET anonymous = 1
 WHERE EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id)
   AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = users.id AND i.provider_type <> 'anon-user');

-- Until now last_active_at was only set at creation: an existing anonymous
-- user's real activity is unknown, so its inactivity period starts now
-- rather than deleting users who may be active every day.
UPDATE users SET last_active_at = MAX(last_active_at, CAST(strftime('%s', 'now') AS INTEGER))
 WHERE anonymous = 1;

CREATE INDEX users_anonymous_by_activity ON users (app_id, last_active_at) WHERE anonymous = 1;

CREATE TABLE app_user_counts (
  app_id BLOB PRIMARY KEY,
  anonymous INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO app_user_counts (app_id, anonymous)
  SELECT app_id, COUNT(*) FROM users WHERE anonymous = 1 GROUP BY app_id;

CREATE TRIGGER users_count_insert AFTER INSERT ON users WHEN new.anonymous = 1 BEGIN
  INSERT INTO app_user_counts (app_id, anonymous) VALUES (new.app_id, 1)
    ON CONFLICT (app_id) DO UPDATE SET anonymous = anonymous + 1;
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users WHEN old.anonymous = 1 BEGIN
  UPDATE app_user_counts SET anonymous = anonymous - 1 WHERE app_id = old.app_id;
END;

CREATE TRIGGER users_count_update AFTER UPDATE OF anonymous ON users WHEN old.anonymous <> new.anonymous BEGIN
  INSERT INTO app_user_counts (app_id, anonymous) VALUES (new.app_id, new.anonymous - old.anonymous)
    ON CONFLICT (app_id) DO UPDATE SET anonymous = anonymous + (new.anonymous - old.anonymous);
END;

-- seq is the rowid: increasing, so events page in the order they happened.
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  app_id BLOB NOT NULL,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  user_id BLOB NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  providers TEXT NOT NULL  -- JSON array of provider types
);

CREATE INDEX audit_events_by_app ON audit_events (app_id, seq);

CREATE TABLE jobs (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
