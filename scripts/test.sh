#!/usr/bin/env bash
# test.sh: the README's second command, and what CI runs (.ci/run).
# Installs every dependency, builds, and runs all tests: the end-to-end
# tests that drive the real server (the Release build) with realm-web from
# npm in Node and with MongoDB's realm-cli (built here from its npm package's
# Go source), and the admin web UI in Debian's chromium driven by
# playwright-core; the realm-web, Admin API and linking suites again on
# PostgreSQL, in a throwaway cluster (tests/postgres/cluster.sh) stopped and
# deleted at exit, also on failure, and the PostgreSQL fault tests (which
# make a cluster of their own); then the sanitizer builds
# (scripts/sanitize.sh): every GoogleTest unit test (the store's contract
# suite on memory, SQLite and the throwaway PostgreSQL among them) under
# AddressSanitizer + UndefinedBehaviorSanitizer (the one place they run:
# compiling them twice would not fit the time) and a few end-to-end files
# against the ASan server, the threaded components' unit tests under
# ThreadSanitizer; and each fuzz target for 15 s (scripts/fuzz.sh --smoke).
# The sanitizer builds are -O0: they compile in half the time of -O1, which
# keeps the whole run within 30 minutes on two cores. Idempotent; leaves no
# server running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

echo "== dependencies"
bash scripts/install-deps.sh --test

echo "== build (Release; the unit tests are built and run under the sanitizers below)"
bash scripts/build.sh -DGUESTPASS_BUILD_TESTS=OFF

echo "== realm-cli 2.6.2 from its npm package's Go source (tests/realm-cli/build.sh)"
realm_cli=$(bash tests/realm-cli/build.sh | tail -n1)

echo "== a throwaway PostgreSQL (tests/postgres/cluster.sh)"
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-pg-XXXXXX")
trap 'bash "$root/tests/postgres/cluster.sh" stop "$pg_dir"' EXIT
pg_url=$(bash tests/postgres/cluster.sh start "$pg_dir" | tail -n1)
echo "PostgreSQL at $pg_url"

echo "== benchmark smoke (bench/run.sh --smoke: a few seconds, no targets)"
bash bench/run.sh --smoke --no-build

echo "== end-to-end tests (realm-web in Node against build/guestpass)"
cd "$root/tests/integration"
npm ci --no-audit --no-fund --loglevel=error
GUESTPASS_BIN="$root/build/guestpass" REALM_CLI_BIN="$realm_cli" node --test realm_web.test.mjs http_errors.test.mjs hostile_http.test.mjs durability.test.mjs crash_safety.test.mjs linking.test.mjs userpass.test.mjs rate_limit.test.mjs lifecycle.test.mjs limits.test.mjs guessing.test.mjs operations.test.mjs admin_api.test.mjs secrets.test.mjs cli.test.mjs realm_cli.test.mjs ui.test.mjs ui_users.test.mjs shared_state.test.mjs jwks.test.mjs

echo "== end-to-end tests on PostgreSQL (guestpass serve --database)"
GUESTPASS_TEST_PG_URL=$pg_url GUESTPASS_BIN="$root/build/guestpass" node --test realm_web.test.mjs admin_api.test.mjs linking.test.mjs crash_safety.test.mjs shared_state.test.mjs session_cache.test.mjs postgres_faults.test.mjs postgres_failover.test.mjs migrate_store.test.mjs guessing.test.mjs rate_limit.test.mjs

echo "== the realm-web suite on PostgreSQL databases migrated from SQLite (guestpass migrate-store)"
GUESTPASS_TEST_FROM_SQLITE=1 GUESTPASS_TEST_PG_URL=$pg_url GUESTPASS_BIN="$root/build/guestpass" node --test realm_web.test.mjs

cd "$root"
export GUESTPASS_SANITIZE_OPT=0
echo "== sanitizers (scripts/sanitize.sh: ASan+UBSan and TSan builds, their tests; the store contract suite on PostgreSQL too)"
GUESTPASS_TEST_PG_URL=$pg_url bash scripts/sanitize.sh

echo "== fuzz smoke (scripts/fuzz.sh --smoke: every target 15 s)"
bash scripts/fuzz.sh --smoke
