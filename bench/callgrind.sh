#!/usr/bin/env bash
# bench/callgrind.sh: instructions per request of a hot path, counted by
# valgrind's callgrind. Unlike req/s on this shared, noisy machine the count
# repeats from run to run, so it shows what a code change saves.
#
#   bash bench/callgrind.sh [login|profile|refresh|healthz] [--seconds S] [--keep FILE]
#
# Starts build/guestpass under callgrind (1 HTTP thread, a fresh data dir),
# loads it with wrk (4 connections, S seconds, default 20), stops it, prints
# "requests=N instructions=I per_request=I/N" and the top functions by their
# own instructions. The count includes start-up and the pool of sessions
# (refresh/profile), spread over the requests. Needs valgrind and wrk.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
lua="$here/lua"
workload=login
seconds=20
keep=""
while (($#)); do
  case "$1" in
    login | profile | refresh | healthz) workload=$1; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in valgrind wrk callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is missing (apt-get install valgrind wrk)" >&2; exit 1; }
done
bin="$root/build/guestpass"
[[ -x "$bin" ]] || { echo "callgrind.sh: $bin is missing (bash scripts/build.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/guestpass-callgrind.XXXXXX)
pid=""
cleanup() {
  [[ -z "$pid" ]] || { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

# Made once without valgrind: the first start hashes the first administrator's
# password (Argon2id, ~40k instructions per request of a short run if counted).
"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/stdout" 2>"$work/stderr" &
pid=$!
for ((i = 0; i < 300; i++)); do
  grep -q '^guestpass listening on ' "$work/stdout" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

out="$work/callgrind.out"
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" \
  --signups-per-hour 0 --threads 1 >"$work/stdout" 2>"$work/stderr" &
pid=$!
for ((i = 0; i < 600; i++)); do
  grep -q '^guestpass listening on ' "$work/stdout" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^guestpass listening on //p' "$work/stdout")
app=$(sed -n 's/^guestpass app id=\([^ ]*\) .*/\1/p' "$work/stdout" | head -n1)
[[ -n "$url" && -n "$app" ]] || { echo "callgrind.sh: the server did not start" >&2; cat "$work/stderr" >&2; exit 1; }
login_url="$url/api/client/v2.0/app/$app/auth/providers/anon-user/login"

case "$workload" in
  login) script=login.lua; target=$login_url ;;
  profile) script=profile.lua; target="$url/api/client/v2.0/auth/profile" ;;
  refresh) script=refresh.lua; target="$url/api/client/v2.0/auth/session" ;;
  healthz) script=nginx.lua; target="$url/healthz" ;;  # the transport alone
esac
if [[ $workload == refresh || $workload == profile ]]; then
  GP_POOL_FILE="$work/pool" GP_POOL_SIZE=100 timeout 120 wrk -t1 -c4 -d120s -s "$lua/pool.lua" "$login_url" \
    >"$work/pool.log" 2>&1 &
  wp=$!
  for ((i = 0; i < 1200; i++)); do [[ -f "$work/pool.done" ]] && break; sleep 0.1; done
  kill -INT "$wp" 2>/dev/null || true
  wait "$wp" 2>/dev/null || true
  [[ -f "$work/pool.done" ]] || { echo "callgrind.sh: no session pool" >&2; exit 1; }
fi
requests=$(GP_POOL_FILE="$work/pool" wrk -t1 -c4 -d"${seconds}s" -s "$lua/$script" "$target" 2>&1 |
  sed -n 's/^GPBENCH requests=\([0-9]*\) .*/\1/p')
kill -TERM "$pid"
wait "$pid" || true
pid=""
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
((requests > 0)) || { echo "callgrind.sh: no requests completed" >&2; exit 1; }
[[ -z "$keep" ]] || cp "$out" "$keep"
echo "workload=$workload requests=$requests instructions=$total per_request=$((total / requests))"
# The functions with the most instructions of their own.
callgrind_annotate --inclusive=no "$out" 2>/dev/null | awk '/file:function/ { on = 1; getline; next } on && NF' |
  head -n 15 | cut -c1-140
