-- 0003_limits.sql: the abuse limits every server on this database shares
-- (store/postgres/pg_limits.h): a client gets the budget of one server, not
-- one per server. UNLOGGED: no WAL, so a take commits without a flush; a
-- crash (or a failover: standbys have no copy) empties them, which only
-- hands every client a fresh budget. Rows that hold nothing (a full bucket,
-- forgotten failures) are deleted by the servers as they go (full_at,
-- forget_at); times are Unix seconds as float8.

-- Token buckets (anonymous sign-ups per app and client address, admin
-- logins per address), as http::RateLimiter keeps them in one process.
CREATE UNLOGGED TABLE limit_buckets (
  key text PRIMARY KEY,
  tokens float8 NOT NULL,    -- as of `updated`
  updated float8 NOT NULL,
  per_hour float8 NOT NULL,  -- the limit of the latest take (> 0)
  burst float8 NOT NULL,
  granted integer NOT NULL,  -- tokens the latest statement took (read by its RETURNING)
  full_at float8 GENERATED ALWAYS AS (updated + (burst - tokens) * 3600 / per_hour) STORED
);
CREATE INDEX limit_buckets_full_at ON limit_buckets (full_at);

-- Failed logins per account and per client address (auth::GuessThrottle's
-- counts; attempts in flight stay per server).
CREATE UNLOGGED TABLE limit_guesses (
  key text PRIMARY KEY,
  failures bigint NOT NULL,
  last_failure float8 NOT NULL,
  wait_until float8 NOT NULL,      -- 0: no wait
  free_failures bigint NOT NULL,   -- the policy of the latest failure
  max_wait float8 NOT NULL,
  forget_after float8 NOT NULL,
  forget_at float8 GENERATED ALWAYS AS (greatest(last_failure + forget_after, wait_until)) STORED
);
CREATE INDEX limit_guesses_forget_at ON limit_guesses (forget_at);
