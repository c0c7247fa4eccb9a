#!/usr/bin/env bash
# test.sh: the README's second command, and what CI runs (.ci/run).
# Installs every dependency, builds, and runs all tests: GoogleTest unit
# tests (ctest) and the end-to-end tests that drive the real server with
# realm-web from npm in Node and with MongoDB's realm-cli (built here from its
# npm package's Go source), and the admin web UI in Debian's chromium driven
# by playwright-core; then the unit tests and a few end-to-end files again
# under AddressSanitizer + UndefinedBehaviorSanitizer and ThreadSanitizer
# (scripts/sanitize.sh), and each fuzz target for 15 s (scripts/fuzz.sh
# --smoke). Idempotent; leaves no server running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

echo "== dependencies"
bash scripts/install-deps.sh --test

echo "== build"
bash scripts/build.sh -DGUESTPASS_BUILD_TESTS=ON

echo "== realm-cli 2.6.2 from its npm package's Go source (tests/realm-cli/build.sh)"
realm_cli=$(bash tests/realm-cli/build.sh | tail -n1)

echo "== unit tests"
ctest --test-dir build -L unit --output-on-failure -j2 --timeout 120

echo "== benchmark smoke (bench/run.sh --smoke: a few seconds, no targets)"
bash bench/run.sh --smoke --no-build

echo "== end-to-end tests (realm-web in Node against build/guestpass)"
cd "$root/tests/integration"
npm ci --no-audit --no-fund --loglevel=error
GUESTPASS_BIN="$root/build/guestpass" REALM_CLI_BIN="$realm_cli" node --test realm_web.test.mjs http_errors.test.mjs durability.test.mjs linking.test.mjs userpass.test.mjs rate_limit.test.mjs lifecycle.test.mjs limits.test.mjs guessing.test.mjs operations.test.mjs admin_api.test.mjs secrets.test.mjs cli.test.mjs realm_cli.test.mjs ui.test.mjs ui_users.test.mjs

cd "$root"
echo "== sanitizers (scripts/sanitize.sh: ASan+UBSan and TSan builds, their tests)"
bash scripts/sanitize.sh

echo "== fuzz smoke (scripts/fuzz.sh --smoke: every target 15 s)"
bash scripts/fuzz.sh --smoke
