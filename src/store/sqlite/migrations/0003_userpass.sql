-- 0003_userpass.sql: email/password accounts and their confirmation and
-- reset tokens. Only hashes of passwords (Argon2id) and tokens (SHA-256).
CREATE TABLE userpass_accounts (
  id BLOB PRIMARY KEY,
  app_id BLOB NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  confirmed INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX userpass_accounts_by_email ON userpass_accounts (app_id, email);

CREATE TABLE userpass_tokens (
  id BLOB PRIMARY KEY,
  account_id BLOB NOT NULL,
  purpose INTEGER NOT NULL,  -- 0 confirm, 1 reset
  token_hash BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  pending_password_hash TEXT
) WITHOUT ROWID;

CREATE INDEX userpass_tokens_by_account ON userpass_tokens (account_id);
