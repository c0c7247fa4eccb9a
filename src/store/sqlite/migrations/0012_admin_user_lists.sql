-- 0012_admin_user_lists.sql: what administrators page through per app:
-- pending email/password registrations (GET .../user_registrations/pending_users?after=ID)
-- and server API keys (GET .../api_keys). Ids are time-ordered: keyset pages.
CREATE INDEX userpass_accounts_by_app ON userpass_accounts (app_id, id);
CREATE INDEX api_keys_by_app ON api_keys (app_id, id);
