#!/usr/bin/env bash
# build.sh: configures and builds guestpass (Release) into build/.
# The server binary is build/guestpass. Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(( $(nproc) < 2 ? 1 : 2 ))
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C build -j"$jobs"
