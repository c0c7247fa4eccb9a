#!/usr/bin/env bash
# bench/postgres.sh: guestpass on PostgreSQL (issue 14's "Fast" targets),
# on a throwaway PostgreSQL 15 cluster at its defaults (fsync and
# synchronous_commit on; tests/postgres/cluster.sh), all on loopback:
#   pgbench       the baseline: the two inserts of an anonymous login (a users
#                 row, a sessions row, guestpass's own tables) as one
#                 transaction per login, 16 clients (pgbench -c 16 -j 2)
#   login-pg      anonymous login through guestpass serve --database (wrk)
#   refresh-pg    refresh (POST /auth/session) on PostgreSQL, and
#   profile-pg    profile (GET /auth/profile) on PostgreSQL, each against
#   refresh-sqlite / profile-sqlite  the same on the embedded SQLite
# Rounds interleave the rows, so every ratio compares figures of the same
# period; each figure is the median of R runs. Targets: login-pg >= 3x
# pgbench; refresh and profile on PostgreSQL >= 0.8x of SQLite.
# Stops everything it started on exit (servers, the cluster).
# The servers run without the anonymous sign-up limit unless --signups-per-hour
# says otherwise: with a limit no login reaches (1e9 an hour, a burst of 1e9),
# every anonymous login takes a token, from the buckets shared in the database
# on PostgreSQL (pg_limits.h) and in process on SQLite.
#
#   bash bench/postgres.sh                 # 3 runs of 5 s per row (~2 min)
#   bash bench/postgres.sh --runs 1 --duration 2 --out ''   # a quick look, no file
#   bash bench/postgres.sh --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
lua="$here/lua"
build="$root/build"

command_line="bash bench/postgres.sh${*:+ $*}"
runs=3
duration=5
connections=64
pgbench_clients=16
pool=1000
do_build=1
server_bin=""
signups_per_hour=0
signup_burst=20
out="$here/results/postgres.md"

usage() {
  cat <<'EOF'
usage: bash bench/postgres.sh [options]
  --runs R              runs per row; each figure is their median (default 3)
  --duration S          seconds per run (default 5)
  --connections C       wrk connections to guestpass (default 64)
  --pgbench-clients N   pgbench clients (default 16, as issue 14 says)
  --pool N              sessions in the token pool of refresh/profile (default 1000)
  --no-build            use build/guestpass as it is
  --bin PATH            run this guestpass binary instead (implies --no-build; to compare builds)
  --signups-per-hour N  the servers' anonymous sign-up limit (default 0: none)
  --signup-burst N      its burst (default 20)
  --out FILE            markdown report (default bench/results/postgres.md; '' for none)
EOF
}

while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --pgbench-clients) pgbench_clients=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --bin) server_bin=$2; do_build=0; shift 2 ;;
    --signups-per-hour) signups_per_hour=$2; shift 2 ;;
    --signup-burst) signup_burst=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

for tool in wrk pgbench psql; do command -v "$tool" >/dev/null 2>&1 ||
  die "$tool is missing (apt-get install wrk postgresql; bash scripts/install-deps.sh --test)"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-pgbench-XXXXXX")
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-pg-XXXXXX")  # its own: the postgres user must reach it
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash "$root/tests/postgres/cluster.sh" stop "$pg_dir" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ((do_build)); then
  log "building guestpass (ninja; a no-op when up to date)"
  ninja -C "$build" -j1 guestpass >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "build"; }
fi
server_bin=${server_bin:-$build/guestpass}
[[ -x $server_bin ]] || die "$server_bin is missing"

pg_url=$(bash "$root/tests/postgres/cluster.sh" start "$pg_dir" | tail -n1)
pg_admin="${pg_url%/*}/postgres"
psql "$pg_admin" -qc "CREATE DATABASE pgbench" >/dev/null
pgbench_url="${pg_url%/*}/pgbench"
psql "$pgbench_url" -q -v ON_ERROR_STOP=1 -f "$root/src/store/postgres/migrations/0001_init.sql" >/dev/null
log "PostgreSQL $(psql "$pg_url" -Atqc 'SHOW server_version') at $pg_url (fsync $(psql "$pg_url" -Atqc 'SHOW fsync'),"\
" synchronous_commit $(psql "$pg_url" -Atqc 'SHOW synchronous_commit'))"

# pgbench's transaction: the rows guestpass writes for an anonymous login,
# with time-ordered 12-byte ids as guestpass makes them.
cat >"$work/login.sql" <<'EOF'
\set r random(1, 1000000000)
BEGIN;
INSERT INTO users (id, app_id, type, data, created_at, last_active_at, disabled, anonymous, anon_identity, anon_provider_id) VALUES (int8send((extract(epoch from clock_timestamp()) * 1000000)::bigint) || int4send(:client_id), '\x65536f0a1b2c3d4e5f601234'::bytea, 'normal', NULL, 1700000000, 1700000000, false, true, '65536f0a1b2c3d4e5f601235-abcdefghijklmnopqrstuvwx', '\x65536f0a1b2c3d4e5f601236'::bytea);
INSERT INTO sessions (user_id, id, secret_hash, created_at, expires_at, device_id, device) VALUES (int8send((extract(epoch from clock_timestamp()) * 1000000)::bigint) || int4send(:client_id), int8send((extract(epoch from clock_timestamp()) * 1000000)::bigint) || int4send(:r), sha256(int8send(:r)), 1700000000, 1800000000, '\x000000000000000000000000'::bytea, '{"platform":"node","platformVersion":"20","sdkVersion":"2.0.1"}');
COMMIT;
EOF

# start_server NAME [SERVE ARGS..]: sets url_NAME and app_NAME.
start_server() {
  local name=$1 i
  shift
  "$server_bin" serve --listen 127.0.0.1:0 --data-dir "$work/data-$name" \
    --signups-per-hour "$signups_per_hour" --signup-burst "$signup_burst" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for ((i = 0; i < 300; i++)); do
    if grep -q '^guestpass listening on ' "$work/$name.out"; then
      printf -v "url_$name" '%s' "$(sed -n 's/^guestpass listening on //p' "$work/$name.out")"
      printf -v "app_$name" '%s' "$(sed -n 's/^guestpass app id=\([^ ]*\) .*/\1/p' "$work/$name.out" | head -n1)"
      return 0
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.err" >&2; die "guestpass ($name) exited at start"; }
    sleep 0.1
  done
  die "guestpass ($name) did not start"
}
start_server pg --database "$pg_url"
start_server sqlite
log "guestpass on PostgreSQL: $url_pg; on SQLite: $url_sqlite"

# make_pool NAME: $pool anonymous logins of server NAME; their tokens in $work/pool-NAME.
make_pool() {
  local name=$1 url app file="$work/pool-$1" pid i
  url=$(eval echo "\$url_$name")
  app=$(eval echo "\$app_$name")
  GP_POOL_FILE="$file" GP_POOL_SIZE="$pool" wrk -t1 -c8 -d120s -s "$lua/pool.lua" \
    "$url/api/client/v2.0/app/$app/auth/providers/anon-user/login" >"$work/pool-$name.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 1250; i++)); do
    [[ -f "$file.done" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ $(wc -l <"$file" 2>/dev/null || echo 0) -eq $pool ]] || { cat "$work/pool-$name.log" >&2; die "pool $name"; }
}
make_pool pg
make_pool sqlite

results="$work/results.tsv"  # row run rps p99_us
: >"$results"
failures=0

run_wrk() {  # run_wrk ROW SCRIPT URL RUN [ENV=VALUE..]
  local row=$1 script=$2 url=$3 run=$4 outf line
  shift 4
  outf="$work/wrk-$row-$run.log"
  env "$@" timeout $((duration + 60)) wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$lua/$script" "$url" \
    >"$outf" 2>&1 || { cat "$outf" >&2; die "wrk failed ($row)"; }
  line=$(grep '^GPBENCH ' "$outf" | tail -n1) || { cat "$outf" >&2; die "wrk printed no result ($row)"; }
  local requests seconds rps p50_us p99_us p999_us non2xx connect_errors read_errors write_errors timeouts
  eval "${line#GPBENCH }"
  ((non2xx == 0)) || { failures=$((failures + 1)); log "$row run $run: $non2xx non-2xx responses"; }
  printf '%s\t%s\t%s\t%s\n' "$row" "$run" "$rps" "$p99_us" >>"$results"
  printf 'bench:   %-15s run %d: %8.0f req/s  p99 %7s ms\n' "$row" "$run" "$rps" "$(ms "$p99_us")" >&2
}

run_pgbench() {  # run_pgbench RUN
  local run=$1 outf="$work/pgbench-$run.log" tps lat
  pgbench -n -c "$pgbench_clients" -j 2 -T "$duration" -f "$work/login.sql" "$pgbench_url" >"$outf" 2>&1 ||
    { cat "$outf" >&2; die "pgbench failed"; }
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$outf" | tail -n1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$outf")
  printf '%s\t%s\t%s\t%s\n' pgbench "$run" "$tps" "" >>"$results"
  printf 'bench:   %-15s run %d: %8.0f tx/s   latency average %s ms\n' pgbench "$run" "$tps" "$lat" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= runs; run++)); do
  log "round $run of $runs ($duration s per row)"
  run_pgbench "$run"
  run_wrk login-pg login.lua "$url_pg/api/client/v2.0/app/$app_pg/auth/providers/anon-user/login" "$run"
  run_wrk refresh-pg refresh.lua "$url_pg/api/client/v2.0/auth/session" "$run" GP_POOL_FILE="$work/pool-pg"
  run_wrk refresh-sqlite refresh.lua "$url_sqlite/api/client/v2.0/auth/session" "$run" GP_POOL_FILE="$work/pool-sqlite"
  run_wrk profile-pg profile.lua "$url_pg/api/client/v2.0/auth/profile" "$run" GP_POOL_FILE="$work/pool-pg"
  run_wrk profile-sqlite profile.lua "$url_sqlite/api/client/v2.0/auth/profile" "$run" GP_POOL_FILE="$work/pool-sqlite"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() {  # median ROW COLUMN(3 rps, 4 p99_us)
  awk -F'\t' -v row="$1" -v col="$2" '$1 == row { print $col }' "$results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
range() { awk -F'\t' -v row="$1" '$1 == row { print $3 }' "$results" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'; }

pgb=$(median pgbench 3)
declare -A rate p99
for row in login-pg refresh-pg refresh-sqlite profile-pg profile-sqlite; do
  rate[$row]=$(median "$row" 3)
  p99[$row]=$(median "$row" 4)
done
login_x=$(ratio "${rate[login-pg]}" "$pgb")
refresh_x=$(ratio "${rate[refresh-pg]}" "${rate[refresh-sqlite]}")
profile_x=$(ratio "${rate[profile-pg]}" "${rate[profile-sqlite]}")
verdict() { if at_least "$1" "$2"; then echo "met"; else echo "MISSED"; fi; }

table=$(
  echo "| row | rate (median) | spread (min-max) | p99 ms | ratio | target |"
  echo "|---|---:|---:|---:|---|---|"
  printf '| pgbench: 2 inserts per transaction, %s clients | %.0f tx/s | %s | - | 1.00x | - |\n' "$pgbench_clients" "$pgb" "$(range pgbench)"
  printf '| anonymous login, PostgreSQL | %.0f/s | %s | %s | %sx pgbench | >= 3x: %s |\n' "${rate[login-pg]}" "$(range login-pg)" "$(ms "${p99[login-pg]}")" "$login_x" "$(verdict "$login_x" 3)"
  printf '| refresh, PostgreSQL | %.0f/s | %s | %s | %sx SQLite | >= 0.8x: %s |\n' "${rate[refresh-pg]}" "$(range refresh-pg)" "$(ms "${p99[refresh-pg]}")" "$refresh_x" "$(verdict "$refresh_x" 0.8)"
  printf '| refresh, SQLite | %.0f/s | %s | %s | - | - |\n' "${rate[refresh-sqlite]}" "$(range refresh-sqlite)" "$(ms "${p99[refresh-sqlite]}")"
  printf '| profile, PostgreSQL | %.0f/s | %s | %s | %sx SQLite | >= 0.8x: %s |\n' "${rate[profile-pg]}" "$(range profile-pg)" "$(ms "${p99[profile-pg]}")" "$profile_x" "$(verdict "$profile_x" 0.8)"
  printf '| profile, SQLite | %.0f/s | %s | %s | - | - |\n' "${rate[profile-sqlite]}" "$(range profile-sqlite)" "$(ms "${p99[profile-sqlite]}")"
)
echo "$table"
if [[ -n $out ]]; then
  {
    echo "# guestpass on PostgreSQL"
    echo
    echo "\`$command_line\`, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown);"
    echo "$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), load average $load_before before, $load_after after."
    echo "PostgreSQL $(psql "$pg_url" -Atqc 'SHOW server_version') at its defaults (fsync on, synchronous_commit on),"
    echo "server, guestpass, wrk (1 thread, $connections connections) and pgbench on the same cores."
    echo "$runs runs of $duration s per row, interleaved; each figure is the median; anonymous sign-up limit $signups_per_hour/h, burst $signup_burst (0: none)."
    echo
    echo "$table"
  } >"$out"
  log "report: $out"
fi
((failures == 0)) || die "$failures runs had non-2xx responses"
