-- 0008_config_changes.sql: the Admin API's drafts and deployments.
-- An app has at most one draft: the whole app as it would deploy (JSON, see
-- store/app_codec.h). Every deployment, successful or failed, is kept with
-- the configuration it deployed, so an earlier one can be deployed again.
CREATE TABLE drafts (
  app_id BLOB PRIMARY KEY,
  id BLOB NOT NULL,
  author_id BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  app TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE deployments (
  app_id BLOB NOT NULL,
  id BLOB NOT NULL,
  name TEXT NOT NULL,
  draft_id BLOB NOT NULL,
  author_id BLOB NOT NULL,
  origin TEXT NOT NULL,
  status TEXT NOT NULL,   -- 'successful' or 'failed'
  error TEXT NOT NULL,
  deployed_at INTEGER NOT NULL,
  config TEXT NOT NULL,
  PRIMARY KEY (app_id, id)
) WITHOUT ROWID;
