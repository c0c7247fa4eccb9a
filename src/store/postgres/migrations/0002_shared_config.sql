-- 0002_shared_config.sql: what every server on this database shares and
-- reloads while it runs.
-- The token signing keys, their secrets sealed under the master key, so a
-- token one server signs verifies on every other and a rotation reaches all.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  sealed_secret bytea NOT NULL,
  created_at bigint NOT NULL,
  active_from bigint NOT NULL
);

-- A counter bumped in the same transaction as every change of apps (their
-- deployed configuration), secrets and signing keys: servers poll it
-- (Store::ConfigVersion) and reload only when it moved.
CREATE TABLE config_version (
  id integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE config_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER apps_changed AFTER INSERT OR UPDATE OR DELETE ON apps
  FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
CREATE TRIGGER secrets_changed AFTER INSERT OR UPDATE OR DELETE ON secrets
  FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
CREATE TRIGGER signing_keys_changed AFTER INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION bump_config_version();
