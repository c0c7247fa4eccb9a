#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages guestpass needs to build
# (and, with --test, to run its tests). Idempotent: apt runs only when a
# package is missing. Needs root (or sudo) only in that case.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libboost-dev libboost-program-options-dev
          nlohmann-json3-dev libssl-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev libsodium-dev libjemalloc-dev
          libdtl-dev libzip-dev ca-certificates)
if [[ "${1:-}" == "--test" ]]; then
  # chromium: the web UI's end-to-end test drives it headless (playwright-core).
  # postgresql: the server binaries for the tests' throwaway cluster
  # (tests/postgres/cluster.sh); the system's service is never started.
  packages+=(libgtest-dev libgmock-dev curl sqlite3 chromium postgresql)
  # clang and its sanitizer and libFuzzer runtimes: scripts/fuzz.sh and the
  # ASan build of scripts/sanitize.sh; llvm-14: llvm-symbolizer-14, which
  # puts file and line into sanitizer reports.
  packages+=(clang libclang-rt-14-dev llvm-14)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
# Installing postgresql must not start the system's service (the tests make
# their own cluster): a temporary policy-rc.d denies service starts, unless
# the machine has one of its own.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  added_policy=1
fi
rc=0
"${sudo[@]}" apt-get update -qq || rc=$?
if ((rc == 0)); then
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    rc=$?
fi
if ((added_policy)); then "${sudo[@]}" rm -f "$policy"; fi
exit "$rc"
