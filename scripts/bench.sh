#!/usr/bin/env bash
# bench.sh: runs the benchmark harness, bench/run.sh (see docs/performance.md).
# Every argument is passed on, e.g. `bash scripts/bench.sh --smoke`.
set -euo pipefail
exec bash "$(dirname "$0")/../bench/run.sh" "$@"
