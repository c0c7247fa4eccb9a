-- 0009_users_by_app.sql: administrators page through an app's users by id
-- (keyset paging, GET .../users?after=ID). Ids are time-ordered, so a new
-- user lands at the right edge of its app's range: one index page per commit
-- of a batch of sign-ups, not one per sign-up.
CREATE INDEX users_by_app ON users (app_id, id);
