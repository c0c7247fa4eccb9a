#!/usr/bin/env bash
# build-sanitized.sh asan|tsan [ninja targets...]: configures and builds a
# sanitizer build, for scripts/fuzz.sh and scripts/sanitize.sh.
#   asan: build-asan/, clang, ASan + UBSan (-fno-sanitize-recover=all) and
#         libFuzzer's coverage instrumentation on every library, so that the
#         one build serves the fuzz targets (fuzz/), the unit tests and a
#         server binary (-DGUESTPASS_FUZZ=ON).
#   tsan: build-tsan/, GCC, ThreadSanitizer.
# Both are -O1 (GUESTPASS_SANITIZE_OPT=0: -O0, compiled in half the time)
# with line tables and asserts on, without jemalloc. With no targets, builds
# everything. Extra cmake arguments: GUESTPASS_CMAKE_ARGS; parallel jobs:
# GUESTPASS_JOBS (default 2, or 1 on one core).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: build-sanitized.sh asan|tsan [ninja targets...]}
shift
jobs=${GUESTPASS_JOBS:-$(( $(nproc) < 2 ? 1 : 2 ))}
case "$kind" in
  asan)
    dir=build-asan
    args=(-DCMAKE_CXX_COMPILER=clang++ -DGUESTPASS_FUZZ=ON -DGUESTPASS_SANITIZE=address) ;;
  tsan)
    dir=build-tsan
    args=(-DCMAKE_CXX_COMPILER=g++ -DGUESTPASS_SANITIZE=thread) ;;
  *)
    echo "build-sanitized.sh: unknown kind '$kind' (asan or tsan)" >&2
    exit 2 ;;
esac
# shellcheck disable=SC2086 # GUESTPASS_CMAKE_ARGS is a list of arguments
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DGUESTPASS_BUILD_TESTS=ON "${args[@]}" \
  -DGUESTPASS_SANITIZE_OPT="${GUESTPASS_SANITIZE_OPT:-1}" \
  ${GUESTPASS_CMAKE_ARGS:-} >/dev/null
ninja -C "$dir" -j"$jobs" "$@"
