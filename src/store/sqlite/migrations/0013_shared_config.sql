-- 0013_shared_config.sql: what every server (and every offline tool) on this
-- database shares and reloads while it runs.
-- The token signing keys, their secrets sealed under the master key (they
-- were a plain-text file beside the database, signing_keys.json, which the
-- server imports and removes at its first start on this version).
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  sealed_secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  active_from INTEGER NOT NULL
) WITHOUT ROWID;

-- A counter bumped in the same transaction as every change of apps (their
-- deployed configuration), secrets and signing keys: servers poll it
-- (Store::ConfigVersion) and reload only when it moved.
CREATE TABLE config_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE TRIGGER apps_inserted AFTER INSERT ON apps BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER apps_updated AFTER UPDATE ON apps BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER apps_deleted AFTER DELETE ON apps BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_inserted AFTER INSERT ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_updated AFTER UPDATE ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER secrets_deleted AFTER DELETE ON secrets BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER signing_keys_inserted AFTER INSERT ON signing_keys BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER signing_keys_updated AFTER UPDATE ON signing_keys BEGIN UPDATE config_version SET version = version + 1; END;
CREATE TRIGGER signing_keys_deleted AFTER DELETE ON signing_keys BEGIN UPDATE config_version SET version = version + 1; END;
