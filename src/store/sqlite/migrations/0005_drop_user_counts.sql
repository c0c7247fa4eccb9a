-- 0005_drop_user_counts.sql: the per-app anonymous-user count of 0004 was
-- kept by triggers on every sign-up, which doubled the writer's cost per
-- login (bench: 86k -> 40k users/s). The store now counts anonymous users
-- through the users_anonymous_by_activity index, only for apps with a cap,
-- and keeps that count in the writer's memory.
DROP TRIGGER users_count_insert;
DROP TRIGGER users_count_delete;
DROP TRIGGER users_count_update;
DROP TABLE app_user_counts;
