#!/usr/bin/env bash
# sanitize.sh [asan] [tsan]: the tests again under sanitizers (both when
# none is named); scripts/test.sh runs it. The matrix and its cost are in
# docs/security.md ("How it is tested").
#   asan: build-asan/ (clang, ASan + UBSan, every finding fatal; shared with
#         the fuzz targets): every unit test (ctest -L unit; scripts/test.sh
#         runs the unit tests only here), then end-to-end tests against
#         build-asan/guestpass (E2E_ASAN below).
#   tsan: build-tsan/ (GCC, ThreadSanitizer): the unit tests of the
#         components that run threads of their own (TSAN_TESTS below), then
#         end-to-end tests against build-tsan/guestpass (E2E_TSAN below): the
#         HTTP worker threads with every other kind of thread of the server.
# A sanitizer report fails the run: unit tests die of it (halt_on_error);
# the servers' reports go to files (log_path) that are checked afterwards.
# Leaks are found by LeakSanitizer (ASan builds, at each process's exit).
# With GUESTPASS_TEST_PG_URL (scripts/test.sh sets it), the unit tests run
# the store contract suite on that PostgreSQL too; the end-to-end files run
# on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The sanitizers find llvm-symbolizer on PATH (file:line in reports); Debian
# keeps the unversioned name in llvm-14's own bin directory.
if [[ -d /usr/lib/llvm-14/bin ]]; then export PATH="$PATH:/usr/lib/llvm-14/bin"; fi

kinds=("$@")
((${#kinds[@]})) || kinds=(asan tsan)

# The unit test binaries built under TSan: the components with threads of
# their own (the SQLite writer and readers, the password hasher pool, the
# JWK and delivery workers, the inactivity job, the admin worker and event
# log, the rate limiter's shards, the shared limits' thread). The HTTP
# layer's own unit tests run one thread; its threads are tested through the
# server binary (E2E_TSAN).
TSAN_TESTS=(store_test auth_test admin_test crypto_test custom_token_test delivery_test userpass_test ratelimit_test limits_test)
# End-to-end files run against the ASan server: the client API through
# realm-web, and hostile HTTP.
E2E_ASAN=(realm_web.test.mjs http_errors.test.mjs hostile_http.test.mjs)
# End-to-end files run against the TSan server: every kind of thread at
# once (HTTP workers, the SQLite writer and readers, the hasher pool, the
# admin worker and config watcher, the jobs), through realm-web, linking,
# the Admin API, hostile HTTP and the metrics. Not the lifecycle files: their
# 100,000-user jobs are too slow under TSan for their time limits.
E2E_TSAN=(realm_web.test.mjs http_errors.test.mjs hostile_http.test.mjs linking.test.mjs admin_api.test.mjs operations.test.mjs)

work=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-sanitize.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=$(( $(nproc) < 2 ? 1 : 2 ))

# detect_stack_use_after_return: a coroutine frame or callback that outlives
# its caller's stack; strict_string_checks: C strings read past their end.
asan_options=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
ubsan_options=halt_on_error=1:print_stacktrace=1
tsan_options=halt_on_error=1:second_deadlock_stack=1:history_size=4

# e2e BUILD_DIR REPORT_VARS FILES...: the end-to-end FILES against
# BUILD_DIR/guestpass; sanitizer reports of the servers land in $work/reports.
e2e() {
  local dir=$1
  shift
  if [[ ! -d tests/integration/node_modules ]]; then
    (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
  fi
  rm -rf "$work/reports" && mkdir -p "$work/reports"
  local rc=0
  (cd tests/integration &&
    ASAN_OPTIONS="$asan_options:log_path=$work/reports/asan" UBSAN_OPTIONS="$ubsan_options:log_path=$work/reports/ubsan" \
    TSAN_OPTIONS="$tsan_options:log_path=$work/reports/tsan" GUESTPASS_BIN="$root/$dir/guestpass" \
    env -u GUESTPASS_TEST_PG_URL node --test "$@") || rc=$?
  if compgen -G "$work/reports/*" >/dev/null; then
    echo "sanitize: the server under $dir reported:" >&2
    cat "$work/reports/"* >&2
    return 1
  fi
  return "$rc"
}

for kind in "${kinds[@]}"; do
  case "$kind" in
    asan)
      echo "== ASan+UBSan: build (build-asan/, clang)"
      bash scripts/build-sanitized.sh asan
      echo "== ASan+UBSan: unit tests (ctest -L unit)"
      ASAN_OPTIONS=$asan_options UBSAN_OPTIONS=$ubsan_options \
        ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs" --timeout 300
      echo "== ASan+UBSan: end-to-end (${E2E_ASAN[*]}) against build-asan/guestpass"
      e2e build-asan "${E2E_ASAN[@]}"
      ;;
    tsan)
      echo "== TSan: build (build-tsan/, GCC): ${TSAN_TESTS[*]} guestpass"
      bash scripts/build-sanitized.sh tsan "${TSAN_TESTS[@]}" guestpass
      echo "== TSan: unit tests of ${TSAN_TESTS[*]}"
      # Tests of the binaries not built here stand in ctest as *_NOT_BUILT.
      TSAN_OPTIONS=$tsan_options \
        ctest --test-dir build-tsan -L unit -E '_NOT_BUILT$' --output-on-failure -j"$jobs" --timeout 300
      echo "== TSan: end-to-end (${E2E_TSAN[*]}) against build-tsan/guestpass"
      e2e build-tsan "${E2E_TSAN[@]}"
      ;;
    *)
      echo "sanitize.sh: unknown sanitizer '$kind' (asan or tsan)" >&2
      exit 2 ;;
  esac
done
echo "sanitize: ${kinds[*]}: no finding"
