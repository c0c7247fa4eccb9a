-- 0011_log_events.sql: the apps' logs (the Admin API's GET .../logs): client
-- authentication events and administrators' actions. Keyed by app and a
-- time-ordered id and nothing else: an event is one append at the right edge
-- of its app's range (no secondary index to keep), a query reads that range
-- backwards from its end time, and the retention deletes each app's oldest
-- range. The entry itself is JSON.
CREATE TABLE log_events (
  app_id BLOB NOT NULL,
  id BLOB NOT NULL,
  type TEXT NOT NULL,
  error INTEGER NOT NULL,
  user_id BLOB NOT NULL,
  at_ms INTEGER NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (app_id, id)
) WITHOUT ROWID;
