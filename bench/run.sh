#!/usr/bin/env bash
# bench/run.sh: the guestpass benchmark harness (issue 5); docs/performance.md
# explains it. One command runs every workload and prints a table:
#   nginx baseline, (1) anonymous login, (2) refresh, (3) profile, (4) the mix,
#   with --seeded N (5) login with N users already in the store, with
#   --expire N (6) the inactivity job deleting N idle users while the mix runs,
#   and with --parse (7) Parse Server's anonymous sign-up on a local PostgreSQL,
#   the peer comparison.
# It installs wrk, nginx and sqlite3 if missing (apt), builds the release
# binaries if needed, starts nginx (a generated config in a temp dir) and
# `guestpass serve` (a fresh data dir) on loopback, runs wrk with the Lua
# scripts in bench/lua/, and stops everything it started on exit.
# Every guestpass figure is also a ratio to the nginx median of the same run.
# Results: the table on stdout and as markdown in bench/results/latest.md.
#
#   bash bench/run.sh                      # 3 runs of 5 s per workload
#   bash bench/run.sh --smoke              # CI: a few seconds, no targets
#   bash bench/run.sh --seeded 1000000     # also login with 1M users seeded
#   bash bench/run.sh --expire 1000000     # also (6): delete 1M idle users under the mix
#   bash bench/run.sh --parse              # also (7): Parse Server (installs PostgreSQL, npm)
#   bash bench/run.sh --help               # every option
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
lua="$here/lua"
build="$root/build"

# ---- options ----
command_line="bash bench/run.sh${*:+ $*}"
runs=3
duration=5
connections=64
wrk_threads=1
pool=1000
nginx_workers=2
server_threads=""   # empty: guestpass's default (number of cores)
seeded=""           # comma-separated user counts for workload (5)
expire=""          # idle users for workload (6)
parse=0             # workload (7): Parse Server's anonymous sign-up
workloads="login,refresh,profile,mix,deploy"
smoke=0
do_build=1
out=""
out_given=0

usage() {
  cat <<'EOF'
usage: bash bench/run.sh [options]
  --runs R            runs per workload; each figure is their median (default 3)
  --duration S        seconds per run (default 5)
  --connections C     wrk connections (default 64)
  --wrk-threads T     wrk threads (default 1)
  --pool N            sessions in the token pool of refresh/profile/mix (default 1000)
  --workloads LIST    comma-separated subset of login,refresh,profile,mix,deploy (default
                      all; the nginx baseline always runs). deploy is (8): login while an
                      administrator deploys a configuration change every 100 ms through the
                      Admin API, compared with (1) (target >= 0.9x, no failed login)
  --seeded N[,M..]    also run workload (5): login with N users seeded into a fresh
                      store by build/guestpass-seed (e.g. 1000000; 0: none)
  --expire N          also run workload (6): N users idle for 100 days are seeded, and the
                      mix (4) runs while the inactivity job deletes them; reports the job's
                      duration and the mix's latency meanwhile (0: none)
  --parse             also run workload (7), the peer comparison: Parse Server 9.x (npm)
                      on a throwaway PostgreSQL 15 cluster, anonymous sign-up
                      (POST /parse/users with authData.anonymous) after one unmeasured
                      warm-up run, with its own nginx baseline; compared with (1) login
                      when that ran too (target: 50x). Installs
                      postgresql (apt) if missing and parse-server with npm into
                      ${XDG_CACHE_HOME:-~/.cache}/guestpass-bench/parse-server (reused;
                      delete it to update); needs node >= 20.19. Off by default, also
                      in --smoke
  --nginx-workers W   nginx worker_processes (default 2, as many as guestpass threads)
  --server-threads N  guestpass serve --threads (default: its own, the number of cores)
  --out FILE          markdown results file (default bench/results/latest.md;
                      --smoke writes none unless --out is given)
  --no-build          use build/guestpass and build/guestpass-seed as they are
  --smoke             CI mode: 1 run of 1 s per workload, pool of 50, 2000 seeded and
                      2000 expired users,
                      no targets; fails only if something did not start or a workload
                      got a non-2xx response (as every mode does)
EOF
}

while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --seeded) seeded=$2; shift 2 ;;
    --expire) expire=$2; shift 2 ;;
    --parse) parse=1; shift ;;
    --nginx-workers) nginx_workers=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --out) out=$2; out_given=1; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --smoke) smoke=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((smoke)); then
  runs=1; duration=1; pool=50
  [[ -n "$seeded" ]] || seeded=2000
  [[ -n "$expire" ]] || expire=2000
fi
[[ "$seeded" != 0 ]] || seeded=""  # --seeded 0: no workload (5)
[[ "$expire" != 0 ]] || expire=""  # --expire 0: no workload (6)
if ((!out_given && !smoke)); then out="$root/bench/results/latest.md"; fi

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }
# Arithmetic on decimals (bash has integers only).
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }                  # A >= B
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }  # A / B
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }                        # us to ms

# ---- cleanup: stop everything this script started ----
work=$(mktemp -d /tmp/guestpass-bench.XXXXXX)
pids=()   # processes started by this script, stopped on exit

stop_pid() {  # stop_pid PID: SIGTERM, wait up to 20 s, then SIGKILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Workload (7)'s PostgreSQL cluster: pg_ctl daemonizes the server, so it is
# not in pids; cleanup stops it (after Parse Server, one of pids) with
# pg_ctl stop -m fast while its data dir exists.
pg_data=""
pg_as=()   # runs a command as the cluster's owner: postgres when we are root
stop_postgres() {
  [[ -n "$pg_data" && -f "$pg_data/postmaster.pid" ]] || return 0
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
    log "pg_ctl stop failed; see $pg_data/../postgres.log"
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- dependencies ----
install_deps() {
  local missing=() p
  for p in wrk nginx sqlite3; do command -v "$p" >/dev/null 2>&1 || [[ -x /usr/sbin/$p ]] || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  apt_install "${missing[@]}"
}

# apt_install PACKAGE..: apt-get install, as root or through sudo.
apt_install() {
  local missing=("$@")
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root to install: ${missing[*]}"
    sudo=(sudo)
  fi
  log "installing ${missing[*]} (apt)"
  # Installing nginx or postgresql must not start the system's service: a
  # temporary policy-rc.d denies service starts unless the machine already has one.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  "${sudo[@]}" apt-get update -qq || rc=$?
  if ((rc == 0)); then
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      >"$work/apt.log" 2>&1 || { rc=$?; cat "$work/apt.log" >&2; }
  fi
  ((added_policy)) && "${sudo[@]}" rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${missing[*]} failed"
}
install_deps
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# Workload (7)'s dependencies, installed before any workload runs so that a
# failure comes early: PostgreSQL (Debian 12's postgresql is 15; the system's
# service is not started, the harness makes its own cluster), node and npm,
# curl, and parse-server installed with npm into a cache dir outside the repo,
# reused by later runs (delete it to get the latest 9.x again).
parse_spec="parse-server@9"   # the latest 9.x
parse_dir="${XDG_CACHE_HOME:-$HOME/.cache}/guestpass-bench/parse-server"
parse_version=""
pg_bin=""
install_parse() {
  local missing=() d
  [[ -x /usr/lib/postgresql/15/bin/initdb ]] || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ||
    missing+=(postgresql)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
  pg_bin=/usr/lib/postgresql/15/bin
  if [[ ! -x $pg_bin/initdb ]]; then  # another Debian release: its PostgreSQL
    for d in /usr/lib/postgresql/*/bin; do if [[ -x $d/initdb ]]; then pg_bin=$d; fi; done
  fi
  [[ -x $pg_bin/initdb ]] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a == 20 && b >= 19) ? 0 : 1)' ||
    die "parse-server 9 needs node >= 20.19; this is node $(node --version)"
  if [[ "$(cat "$parse_dir/.installed" 2>/dev/null)" != "$parse_spec" ]]; then
    log "installing $parse_spec with npm into $parse_dir (once: later runs reuse it)"
    mkdir -p "$parse_dir"
    rm -f "$parse_dir/.installed"
    [[ -f $parse_dir/package.json ]] || echo '{"name": "guestpass-bench-parse-server", "private": true}' >"$parse_dir/package.json"
    (cd "$parse_dir" && npm install --no-audit --no-fund --omit=dev "$parse_spec") >"$work/npm.log" 2>&1 ||
      { cat "$work/npm.log" >&2; die "npm install $parse_spec failed"; }
    echo "$parse_spec" >"$parse_dir/.installed"
  fi
  parse_version=$(node -p 'require(process.argv[1]).version' "$parse_dir/node_modules/parse-server/package.json") ||
    die "no parse-server in $parse_dir/node_modules"
  log "Parse Server $parse_version ($parse_dir), PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }'), node $(node --version)"
}
((!parse)) || install_parse

# ---- build ----
# Up to date through ninja when build/ is a configured Release build (a no-op
# when nothing changed); otherwise dependencies and the whole build as
# scripts/build.sh does it.
if ((do_build)); then
  if [[ -f "$build/build.ninja" ]] && grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
    log "building guestpass and guestpass-seed (ninja; a no-op when up to date)"
    ninja -C "$build" -j2 guestpass guestpass-seed >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "build"; }
  else
    tests=OFF
    if grep -q '^GUESTPASS_BUILD_TESTS:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then tests=ON; fi
    log "installing build dependencies and building the release binaries (scripts/build.sh)"
    if [[ $tests == ON ]]; then bash "$root/scripts/install-deps.sh" --test >&2; else bash "$root/scripts/install-deps.sh" >&2; fi
    bash "$root/scripts/build.sh" -DGUESTPASS_BUILD_TESTS=$tests >&2 || die "build"
  fi
fi
server_bin="$build/guestpass"
seed_bin="$build/guestpass-seed"
[[ -x "$server_bin" ]] || die "$server_bin is missing (run without --no-build)"
if [[ -n "$seeded$expire" && ! -x "$seed_bin" ]]; then die "$seed_bin is missing (run without --no-build)"; fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)

# ---- servers ----
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

nginx_pid=""
nginx_url=""
start_nginx() {
  local dir="$work/nginx" port attempt i
  mkdir -p "$dir/tmp"
  chmod 755 "$work" "$dir" "$dir/tmp"  # nginx workers may run as another user
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    port_open "$port" && continue
    cat >"$dir/nginx.conf" <<EOF
# Generated by bench/run.sh: the baseline, a fixed small JSON answer.
worker_processes $nginx_workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 100000000;  # guestpass does not close busy keep-alive connections either
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
EOF
    "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    for ((i = 0; i < 100; i++)); do
      if port_open "$port"; then
        nginx_url="http://127.0.0.1:$port/"
        log "nginx (worker_processes $nginx_workers) on $nginx_url, pid $nginx_pid"
        return 0
      fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$nginx_pid"
    if grep -q "Address already in use" "$dir/stdout.log" "$dir/error.log" 2>/dev/null; then continue; fi
    cat "$dir/stdout.log" "$dir/error.log" >&2 2>/dev/null || true
    die "nginx did not start"
  done
  die "nginx: no free port found"
}

# start_guestpass NAME DATA_DIR [SERVE ARGS..]: sets gp_pid, gp_url, gp_app.
gp_pid=""
gp_url=""
gp_app=""
start_guestpass() {
  local name=$1 data=$2 i
  shift 2
  # The load comes from one address: the anonymous sign-up limit would refuse it.
  local args=(serve --listen 127.0.0.1:0 --data-dir "$data" --signups-per-hour 0 "$@")
  export GUESTPASS_ADMIN_PASSWORD=$admin_password  # the first start's admin user, for workload (8)
  [[ -z "$server_threads" ]] || args+=(--threads "$server_threads")
  : >"$work/$name.out"
  "$server_bin" "${args[@]}" >"$work/$name.out" 2>"$work/$name.err" &
  gp_pid=$!
  pids+=("$gp_pid")
  for ((i = 0; i < 300; i++)); do
    if grep -q '^guestpass listening on ' "$work/$name.out"; then
      gp_url=$(sed -n 's/^guestpass listening on //p' "$work/$name.out" | head -n1)
      gp_app=$(sed -n 's/^guestpass app id=\([^ ]*\) .*/\1/p' "$work/$name.out" | head -n1)
      [[ -n "$gp_app" ]] || die "guestpass printed no app id"
      log "guestpass ($name) on $gp_url, app $gp_app, pid $gp_pid"
      return 0
    fi
    if ! kill -0 "$gp_pid" 2>/dev/null; then
      cat "$work/$name.err" >&2
      die "guestpass ($name) exited at start"
    fi
    sleep 0.1
  done
  die "guestpass ($name) did not print its URL within 30 s"
}

peak_rss_mb() {  # peak_rss_mb PID: VmHWM in MB
  awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# stop_guestpass: SIGTERM (answers what is in flight, drains writes,
# checkpoints the WAL), then waits. Fails if it did not exit cleanly.
stop_guestpass() {
  local pid=$gp_pid rc=0 p keep=()
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  for p in "${pids[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
  ((rc == 0)) || { cat "$work"/*.err >&2; die "guestpass exited with status $rc on SIGTERM"; }
}

# store_stats DATA_DIR: prints "<users> <db bytes> <bytes per user>" of a
# stopped server's store (the WAL was checkpointed into the db at exit).
store_stats() {
  local db="$1/guestpass.db" users bytes wal=0
  users=$(sqlite3 "$db" 'select count(*) from users')
  bytes=$(stat -c %s "$db")
  [[ ! -f "$db-wal" ]] || wal=$(stat -c %s "$db-wal")
  bytes=$((bytes + wal))
  echo "$users $bytes $(( users > 0 ? bytes / users : 0 ))"
}

# ---- workload (7): PostgreSQL and Parse Server ----
# start_postgres: a throwaway cluster in $work/pg (initdb's defaults, so
# fsync and synchronous_commit on), owned by the postgres OS user when we are
# root (PostgreSQL refuses to run as root), on a free loopback port, with its
# socket in $work/pg/sock; creates the database "parse". Sets pg_port.
pg_port=""
pg_sock=""
pg_version=""
start_postgres() {
  local dir="$work/pg" port attempt
  pg_sock="$dir/sock"
  mkdir -p "$pg_sock"
  chmod 755 "$work"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R postgres: "$dir"
    pg_as=(runuser -u postgres --)
  fi
  pg_version=$("$pg_bin/postgres" --version | awk '{ print $3 }')  # postgres (PostgreSQL) 15.18 (Debian ..)
  "${pg_as[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; die "initdb failed"; }
  pg_data="$dir/data"
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    port_open "$port" && continue
    if "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/postgres.log" -w -t 60 \
        -o "-k $pg_sock -p $port -c listen_addresses=127.0.0.1" start >"$work/pg_ctl.log" 2>&1; then
      pg_port=$port
      "${pg_as[@]}" "$pg_bin/createdb" -h "$pg_sock" -p "$pg_port" -U postgres parse >>"$work/pg_ctl.log" 2>&1 ||
        { cat "$work/pg_ctl.log" >&2; die "createdb failed"; }
      log "PostgreSQL $pg_version on 127.0.0.1:$pg_port (data $pg_data, synchronous_commit $(pg_query 'show synchronous_commit')," \
          "fsync $(pg_query 'show fsync'))"
      return 0
    fi
    if grep -q -e 'could not bind' -e 'Address already in use' "$dir/postgres.log" 2>/dev/null; then continue; fi
    cat "$work/pg_ctl.log" "$dir/postgres.log" >&2 2>/dev/null || true
    die "PostgreSQL did not start"
  done
  die "PostgreSQL: no free port found"
}

pg_query() {  # pg_query SQL: one value from the database "parse"
  "${pg_as[@]}" "$pg_bin/psql" -h "$pg_sock" -p "$pg_port" -U postgres -d parse -Atqc "$1"
}

# start_parse: Parse Server (bench/parse-server.cjs: one node process, Parse's
# defaults) on the database "parse", on a free loopback port; waits until
# GET /parse/health answers and one anonymous sign-up (which also makes
# Parse's first writes to the new schema) got 201. Sets parse_pid, parse_url.
parse_pid=""
parse_url=""
parse_app="guestpass-bench"
start_parse() {
  local i code
  mkdir -p "$work/parse/logs"
  # In its own dir: Parse's logger writes to ./logs before it reads its options.
  (cd "$work/parse" && PARSE_APP_ID="$parse_app" PARSE_MASTER_KEY="bench-$RANDOM$RANDOM$RANDOM" \
    PARSE_LOGS_DIR="$work/parse/logs" PARSE_SERVER_LOGS_FOLDER="$work/parse/logs" \
    PARSE_DATABASE_URI="postgres://postgres@127.0.0.1:$pg_port/parse" \
    exec node "$here/parse-server.cjs" "$parse_dir") >"$work/parse.out" 2>"$work/parse.err" &
  parse_pid=$!
  pids+=("$parse_pid")
  for ((i = 0; i < 600; i++)); do
    parse_url=$(sed -n 's/^parse-server .* listening on //p' "$work/parse.out" | head -n1)
    [[ -z "$parse_url" ]] || break
    kill -0 "$parse_pid" 2>/dev/null || { cat "$work/parse.out" "$work/parse.err" >&2; die "Parse Server exited at start"; }
    sleep 0.1
  done
  [[ -n "$parse_url" ]] || { cat "$work/parse.err" >&2; die "Parse Server did not start within 60 s"; }
  for ((i = 0; i < 300; i++)); do
    curl -fsS -m 5 "$parse_url/health" >"$work/parse-health.json" 2>/dev/null && break
    sleep 0.1
  done
  grep -q '"ok"' "$work/parse-health.json" 2>/dev/null ||
    { cat "$work/parse-health.json" "$work/parse.err" >&2; die "Parse Server: GET /parse/health did not answer ok"; }
  code=$(curl -sS -m 30 -o "$work/parse-warmup.json" -w '%{http_code}' -X POST \
    -H "X-Parse-Application-Id: $parse_app" -H 'Content-Type: application/json' \
    -d '{"authData":{"anonymous":{"id":"00000000-0000-4000-8000-000000000000"}}}' "$parse_url/users") || code=000
  if [[ $code != 201 ]] || ! grep -q '"sessionToken"' "$work/parse-warmup.json"; then
    cat "$work/parse-warmup.json" "$work/parse.err" >&2
    die "Parse Server: the first anonymous sign-up answered $code"
  fi
  log "Parse Server $parse_version on $parse_url, pid $parse_pid"
}

forget_pid() {  # forget_pid PID: drop PID from pids (it was stopped)
  local p keep=()
  for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# ---- wrk ----
results="$work/results.tsv"   # row run rps p50_us p99_us p999_us non2xx socket_errors
: >"$results"
failures=0   # runs with non-2xx responses: the harness then exits non-zero

# run_wrk ROW SCRIPT URL RUN [ENV=VALUE..]: one bounded wrk run; appends a
# line to $results.
run_wrk() {
  local row=$1 script=$2 url=$3 run=$4
  shift 4
  local outf="$work/wrk-$row-$run.log" line sock
  if ! env "$@" timeout $((duration + 60)) wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency \
      -s "$lua/$script" "$url" >"$outf" 2>&1; then
    cat "$outf" >&2
    die "wrk failed ($row)"
  fi
  line=$(grep '^GPBENCH ' "$outf" | tail -n1) || { cat "$outf" >&2; die "wrk printed no result ($row)"; }
  # shellcheck disable=SC2034  # requests and seconds are parsed, not used
  local requests seconds rps p50_us p99_us p999_us non2xx connect_errors read_errors write_errors timeouts
  eval "${line#GPBENCH }"  # key=value pairs printed by common.lua
  sock=$((connect_errors + read_errors + write_errors + timeouts))
  local mark=""
  ((non2xx == 0)) || mark="  $non2xx NON-2xx"
  ((sock == 0)) || mark+="  $sock SOCKET ERRORS"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$run" "$rps" "$p50_us" "$p99_us" "$p999_us" "$non2xx" "$sock" \
    >>"$results"
  ((non2xx == 0)) || failures=$((failures + 1))
  if ((non2xx + sock > 0)); then
    log "$row run $run: $non2xx non-2xx, $connect_errors connect, $read_errors read, $write_errors write errors," \
        "$timeouts timeouts; $(grep '^GPBENCH_FIRST_BAD ' "$outf" | head -n1 | cut -c1-300)"
  fi
  printf 'bench:   %-18s run %d: %9.0f req/s  p50 %6s ms  p99 %6s ms  p99.9 %6s ms%s\n' "$row" "$run" "$rps" \
    "$(ms "$p50_us")" "$(ms "$p99_us")" "$(ms "$p999_us")" "$mark" >&2
}

# make_pool FILE N: N anonymous logins; their tokens go to FILE. wrk runs
# until pool.lua has written all N (it then creates FILE.done) and is stopped
# with SIGINT; -d only bounds it.
make_pool() {
  local file=$1 n=$2 outf="$work/pool.log" pid i have=0
  log "creating a pool of $n sessions"
  GP_POOL_FILE="$file" GP_POOL_SIZE="$n" wrk -t1 -c8 -d120s -s "$lua/pool.lua" \
    "$gp_url/api/client/v2.0/app/$gp_app/auth/providers/anon-user/login" >"$outf" 2>&1 &
  pid=$!
  pids+=("$pid")
  for ((i = 0; i < 1250; i++)); do
    [[ -f "$file.done" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ ! -f "$file" ]] || have=$(wc -l <"$file")
  ((have == n)) || { cat "$outf" >&2; die "pool has $have sessions, wanted $n"; }
}

has_workload() { [[ ",$workloads," == *",$1,"* ]]; }

# ---- workload (8): deployments while logins run ----
admin_password="bench-admin-$RANDOM$RANDOM$RANDOM"
deployer_pid=""
# start_deployer: as the administrator, toggles the app's api-key provider
# (enable, disable, ...) every 100 ms through the Admin API (bench/deployer.mjs,
# one node process): each toggle is a deployment that swaps the server's
# configuration snapshot. stop_deployer adds up deploys_ok, deploys_failed.
start_deployer() {
  rm -f "$work/deploys.txt"
  node "$here/deployer.mjs" "$gp_url" "$admin_password" "$gp_app" "$work/deploys.txt" 100 \
    >"$work/deployer.out" 2>"$work/deployer.err" &
  deployer_pid=$!
  pids+=("$deployer_pid")
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q '^deployer: ready' "$work/deployer.out" 2>/dev/null && return 0
    kill -0 "$deployer_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/deployer.err" >&2
  die "deploy: the deployer did not start"
}
stop_deployer() {
  local ok failed i
  kill -TERM "$deployer_pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do [[ -s "$work/deploys.txt" ]] && break; sleep 0.1; done
  wait "$deployer_pid" 2>/dev/null || true
  forget_pid "$deployer_pid"
  read -r ok failed <"$work/deploys.txt" || die "deploy: the deployer wrote no counts"
  deploys_ok=$((deploys_ok + ok))
  deploys_failed=$((deploys_failed + failed))
}
deploys_ok=0
deploys_failed=0

# ---- the run ----
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_nginx
start_guestpass main "$work/data-main"
pool_file="$work/pool.txt"
if has_workload refresh || has_workload profile || has_workload mix; then make_pool "$pool_file" "$pool"; fi

login_url="$gp_url/api/client/v2.0/app/$gp_app/auth/providers/anon-user/login"
for ((run = 1; run <= runs; run++)); do
  log "round $run of $runs ($duration s per workload)"
  run_wrk nginx nginx.lua "$nginx_url" "$run"
  ! has_workload login || run_wrk login login.lua "$login_url" "$run"
  ! has_workload refresh || run_wrk refresh refresh.lua "$gp_url/api/client/v2.0/auth/session" "$run" \
    GP_POOL_FILE="$pool_file"
  ! has_workload profile || run_wrk profile profile.lua "$gp_url/api/client/v2.0/auth/profile" "$run" \
    GP_POOL_FILE="$pool_file"
  ! has_workload mix || run_wrk mix mix.lua "$gp_url" "$run" GP_POOL_FILE="$pool_file" GP_APP_ID="$gp_app"
  if has_workload deploy; then
    start_deployer
    run_wrk login-deploy login.lua "$login_url" "$run"
    stop_deployer
  fi
done
main_rss=$(peak_rss_mb "$gp_pid")
stop_guestpass
read -r main_users main_bytes main_bpu < <(store_stats "$work/data-main")

# Workload (5): login with N users already in the store, on a fresh server.
declare -A seed_info=()
for n in ${seeded//,/ }; do
  row="login-seeded-$n"
  log "seeding $n users into a fresh store"
  "$seed_bin" --data-dir "$work/data-$n" --users "$n" >"$work/seed-$n.out" 2>"$work/seed-$n.err" || {
    cat "$work/seed-$n.err" >&2
    die "guestpass-seed failed"
  }
  seed_info[$n]=$(sed -n 's/.* seeded \([0-9]*\) users in \([0-9.]*\) s (\([0-9]*\) users\/s)/\2 s, \3 users\/s/p' \
    "$work/seed-$n.out")
  log "seeded: ${seed_info[$n]}"
  # Let the kernel write the new database back now rather than during the runs.
  sync
  start_guestpass "seeded-$n" "$work/data-$n"
  for ((run = 1; run <= runs; run++)); do
    run_wrk "nginx-seeded-$n" nginx.lua "$nginx_url" "$run"
    run_wrk "$row" login.lua "$gp_url/api/client/v2.0/app/$gp_app/auth/providers/anon-user/login" "$run"
  done
  seed_info[$n]+="|$(peak_rss_mb "$gp_pid")"
  stop_guestpass
  read -r u b bpu < <(store_stats "$work/data-$n")
  seed_info[$n]+="|$u|$b|$bpu"
done
# Workload (6): the inactivity job deletes $expire idle users while the mix
# runs. The users are seeded 100 days idle into a store whose app (imported
# from an app dir) first has the policy "never", so a pool of live sessions
# can be made; the server is then restarted with the default 90-day policy,
# its job starts at once, and the mix runs until the job logs its end.
expire_stats=""   # "rps p50_us p99_us p999_us non2xx socket_errors" of the mix during the job
if [[ -n "$expire" ]]; then
  data="$work/data-expire"
  log "workload (6): seeding $expire users idle for 100 days"
  "$seed_bin" --data-dir "$data" --users "$expire" --idle-days 100 >"$work/seed-expire.out" 2>"$work/seed-expire.err" || {
    cat "$work/seed-expire.err" >&2
    die "guestpass-seed failed"
  }
  expire_app=$(sed -n 's/^guestpass-seed: app id=\([^ ]*\) .*/\1/p' "$work/seed-expire.out")
  [[ -n "$expire_app" ]] || die "guestpass-seed printed no app id"
  app_dir="$work/app-expire"
  mkdir -p "$app_dir/auth"
  printf '{"app_id": "%s", "name": "expire"}\n' "$expire_app" >"$app_dir/root_config.json"
  echo '{"anon-user": {"name": "anon-user", "type": "anon-user", "disabled": false}}' >"$app_dir/auth/providers.json"
  echo '{"anonymous": {"delete_after_inactive_days": "never"}}' >"$app_dir/guestpass.json"
  sync
  # A completed run (here: deleting nobody) is due again after the interval.
  start_guestpass expire-pool "$data" --app-dir "$app_dir" --inactivity-interval 1
  expire_pool="$work/pool-expire.txt"
  make_pool "$expire_pool" "$pool"
  stop_guestpass
  rm "$app_dir/guestpass.json"  # the default policy: 90 days
  run_wrk nginx-expire nginx.lua "$nginx_url" 1
  start_guestpass expire "$data" --app-dir "$app_dir" --inactivity-interval 1
  outf="$work/wrk-expire.log"
  GP_POOL_FILE="$expire_pool" GP_APP_ID="$gp_app" timeout 400 wrk -t"$wrk_threads" -c"$connections" -d330s \
    --latency -s "$lua/mix.lua" "$gp_url" >"$outf" 2>&1 &
  wrk_pid=$!
  pids+=("$wrk_pid")
  for ((i = 0; i < 3000; i++)); do
    grep -q 'inactivity job run finished' "$work/expire.err" && break
    kill -0 "$wrk_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 0.2
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" 2>/dev/null || true
  job_line=$(grep 'inactivity job run finished' "$work/expire.err" | head -n1) || {
    cat "$work/expire.err" >&2
    die "workload (6): the inactivity job did not finish within 5 minutes"
  }
  job_deleted=$(sed -n 's/.* deleted=\([0-9]*\).*/\1/p' <<<"$job_line")
  job_seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$job_line")
  line=$(grep '^GPBENCH ' "$outf" | tail -n1) || { cat "$outf" >&2; die "wrk printed no result (expire)"; }
  # shellcheck disable=SC2034
  requests=0 seconds=0 rps=0 p50_us=0 p99_us=0 p999_us=0 non2xx=0 connect_errors=0 read_errors=0 write_errors=0 timeouts=0
  eval "${line#GPBENCH }"
  ((non2xx == 0)) || failures=$((failures + 1))
  expire_rss=$(peak_rss_mb "$gp_pid")
  stop_guestpass
  expire_stats="$rps $p50_us $p99_us $p999_us $non2xx $((connect_errors + read_errors + write_errors + timeouts))"
  log "workload (6): the job deleted $job_deleted users in $job_seconds s; mix meanwhile $(printf '%.0f' "$rps") req/s," \
      "p99 $(ms "$p99_us") ms; server peak RSS $expire_rss MB"
fi

# Workload (7): Parse Server's anonymous sign-up on PostgreSQL, interleaved
# with the nginx baseline again; the peer comparison of --parse. One
# unmeasured run of the same length first warms node's JIT and Parse's caches
# up (Parse's first run is markedly slower: measuring it would flatter
# guestpass).
parse_prefix() {  # parse_prefix N: 8 hex digits for the anonymous ids of run N
  printf '%02x%06x' "$(($1 % 256))" "$(((RANDOM << 9 ^ RANDOM) & 0xffffff))"
}
if ((parse)); then
  log "workload (7): Parse Server $parse_version on PostgreSQL"
  start_postgres
  start_parse
  run_wrk parse-warmup parse_signup.lua "$parse_url/users" 0 GP_PARSE_APP_ID="$parse_app" \
    GP_PARSE_PREFIX="$(parse_prefix 0)"
  for ((run = 1; run <= runs; run++)); do
    run_wrk nginx-parse nginx.lua "$nginx_url" "$run"
    run_wrk parse parse_signup.lua "$parse_url/users" "$run" GP_PARSE_APP_ID="$parse_app" \
      GP_PARSE_PREFIX="$(parse_prefix "$run")"
  done
  parse_rss=$(peak_rss_mb "$parse_pid")
  stop_pid "$parse_pid"
  forget_pid "$parse_pid"
  parse_users=$(pg_query 'select count(*) from "_User"')
  parse_bytes=$(pg_query 'select pg_database_size(current_database())')
  parse_settings="synchronous_commit $(pg_query 'show synchronous_commit'), fsync $(pg_query 'show fsync')"
  parse_settings+=", shared_buffers $(pg_query 'show shared_buffers'), max_connections $(pg_query 'show max_connections')"
  stop_postgres
  log "workload (7): $parse_users Parse users, database $parse_bytes bytes; node peak RSS $parse_rss MB"
fi

stop_pid "$nginx_pid"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table ----
# row_stats ROW: "median min max p50 p99 p999 non2xx sock" over the runs of
# ROW (latencies are medians of the runs' percentiles, in us; the error
# counts are sums).
row_stats() {
  awk -F'\t' -v row="$1" '
    function med(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == row { n++; r[n] = $3; p50[n] = $4; p99[n] = $5; p999[n] = $6; bad += $7; sock += $8
                if (n == 1 || $3 < mn) mn = $3; if (n == 1 || $3 > mx) mx = $3 }
    END { if (n) printf "%.0f %.0f %.0f %.0f %.0f %.0f %d %d\n", med(r, n), mn, mx, med(p50, n), med(p99, n), med(p999, n), bad, sock }
  ' "$results"
}

# mark LABEL NON2XX SOCK: the row label, flagged when the runs had errors.
mark() {
  if (($2 > 0)); then echo "**$1: $2 NON-2xx RESPONSES, FIGURES INVALID**"
  elif (($3 > 0)); then echo "**$1: $3 socket errors**"
  else echo "$1"; fi
}

# target ROW RATIO P99_US: the issue's target for ROW and whether it is met.
target() {
  local row=$1 ratio=$2 p99=$3 want
  if ((smoke)); then echo "-"; return; fi
  case "$row" in
    login) want=0.35 ;;
    refresh | mix) want=0.55 ;;
    profile) want=0.65 ;;
    *) echo "-"; return ;;
  esac
  if [[ $row == login ]]; then
    if at_least "$ratio" "$want" && ((p99 < 10000)); then echo ">= ${want}x, p99 < 10 ms: met"
    else echo ">= ${want}x, p99 < 10 ms: MISSED"; fi
  elif at_least "$ratio" "$want"; then echo ">= ${want}x: met"
  else echo ">= ${want}x: MISSED"; fi
}

table="$work/table.md"
{
  echo "| workload | req/s (median) | spread (min-max) | x nginx | p50 ms | p99 ms | p99.9 ms | non-2xx | socket errors | target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  read -r ng_med _ < <(row_stats nginx)
  for row in nginx login refresh profile mix; do
    [[ "$row" == nginx ]] || has_workload "$row" || continue
    read -r med mn mx p50 p99 p999 bad sock < <(row_stats "$row")
    ratio=$(ratio "$med" "$ng_med")
    label=$row
    case "$row" in
      nginx) label="nginx baseline (GET, 15-byte JSON)" ;;
      login) label="(1) anonymous login (durable)" ;;
      refresh) label="(2) refresh (pool of $pool)" ;;
      profile) label="(3) profile (pool of $pool)" ;;
      mix) label="(4) mix 1 login : 20 refresh : 50 profile" ;;
    esac
    label=$(mark "$label" "$bad" "$sock")
    echo "| $label | $med | $mn-$mx | ${ratio}x | $(ms "$p50") | $(ms "$p99") | $(ms "$p999") | $bad | $sock | $(target "$row" "$ratio" "$p99") |"
  done
  if has_workload deploy; then
    read -r med mn mx p50 p99 p999 bad sock < <(row_stats login-deploy)
    ratio=$(ratio "$med" "$ng_med")
    label=$(mark "(8) login while a deployment lands every 100 ms ($deploys_ok deployed, $deploys_failed failed)" "$bad" "$sock")
    tgt="-"
    if has_workload login; then
      read -r login_med _ < <(row_stats login)
      vs=$(ratio "$med" "$login_med")
      if ((smoke)); then tgt="${vs}x of (1)"
      elif at_least "$vs" 0.9 && ((bad == 0 && deploys_failed == 0)); then tgt="${vs}x of (1); >= 0.9x, none failed: met"
      else tgt="${vs}x of (1); >= 0.9x, none failed: MISSED"; fi
    fi
    echo "| $label | $med | $mn-$mx | ${ratio}x | $(ms "$p50") | $(ms "$p99") | $(ms "$p999") | $bad | $sock | $tgt |"
  fi
  for n in ${seeded//,/ }; do
    read -r ng_med_n _ < <(row_stats "nginx-seeded-$n")
    read -r med mn mx p50 p99 p999 bad sock < <(row_stats "login-seeded-$n")
    ratio=$(ratio "$med" "$ng_med_n")
    label="(5) login, $n users seeded"
    label=$(mark "$label" "$bad" "$sock")
    tgt="-"
    if has_workload login; then
      read -r login_med _ < <(row_stats login)
      vs=$(ratio "$med" "$login_med")
      if ((smoke)); then tgt="${vs}x of (1)"
      elif at_least "$vs" 0.8; then tgt="${vs}x of (1); >= 0.8x: met"
      else tgt="${vs}x of (1); >= 0.8x: MISSED"; fi
    fi
    echo "| $label (nginx of its phase: $ng_med_n/s) | $med | $mn-$mx | ${ratio}x | $(ms "$p50") | $(ms "$p99") | $(ms "$p999") | $bad | $sock | $tgt |"
  done
  if [[ -n "$expire_stats" ]]; then
    read -r rps p50 p99 p999 bad sock <<<"$expire_stats"
    read -r ng_exp _ < <(row_stats nginx-expire)
    tgt="-"
    if ((!smoke)); then
      if at_least 60 "$job_seconds" && ((p99 < 20000)); then tgt="job < 60 s, mix p99 < 20 ms: met"
      else tgt="job < 60 s, mix p99 < 20 ms: MISSED"; fi
    fi
    label=$(mark "(6) mix while the job deletes $job_deleted idle users in ${job_seconds} s" "$bad" "$sock")
    echo "| $label (nginx of its phase: $ng_exp/s) | $(printf '%.0f' "$rps") | - | $(ratio "$rps" "$ng_exp")x |" \
         "$(ms "$p50") | $(ms "$p99") | $(ms "$p999") | $bad | $sock | $tgt |"
  fi
  if ((parse)); then
    read -r ng_parse _ < <(row_stats nginx-parse)
    read -r med mn mx p50 p99 p999 bad sock < <(row_stats parse)
    label=$(mark "(7) Parse Server $parse_version anonymous sign-up (PostgreSQL ${pg_version%%.*})" "$bad" "$sock")
    tgt="-"
    if has_workload login; then
      read -r login_med _ < <(row_stats login)
      vs=$(awk -v a="$login_med" -v b="$med" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }')
      tgt="(1) login / (7) = ${vs}x"
      if ((!smoke)); then
        if at_least "$vs" 50; then tgt+="; >= 50x: met"; else tgt+="; >= 50x: MISSED"; fi
      fi
    fi
    echo "| $label (nginx of its phase: $ng_parse/s) | $med | $mn-$mx |" \
         "$(awk -v a="$med" -v b="$ng_parse" 'BEGIN { printf "%.4f", (b > 0) ? a / b : 0 }')x |" \
         "$(ms "$p50") | $(ms "$p99") | $(ms "$p999") | $bad | $sock | $tgt |"
  fi
  echo
  echo "- guestpass peak RSS (VmHWM) after all workloads: $main_rss MB; its store: $main_users users," \
       "$main_bytes bytes on disk, $main_bpu bytes per user (target <= 512)"
  # Warnings and errors the servers logged (stderr) during the run.
  problems=$(cat "$work"/main.err "$work"/seeded-*.err "$work"/expire*.err 2>/dev/null | grep -E 'level=(warn|error)' || true)
  if [[ -z "$problems" ]]; then
    echo "- guestpass log: no warn/error lines"
  else
    echo "- guestpass log: $(wc -l <<<"$problems") warn/error line(s), first: \`$(head -n1 <<<"$problems" | cut -c1-200)\`"
  fi
  for n in ${seeded//,/ }; do
    IFS='|' read -r seed_rate rss u b bpu <<<"${seed_info[$n]}"
    echo "- seeded store of $n users: seeding took $seed_rate (build/guestpass-seed);" \
         "server peak RSS $rss MB; after its login runs $u users, $b bytes on disk, $bpu bytes per user"
  done
  if [[ -n "$expire" ]]; then
    echo "- workload (6): $expire users seeded 100 days idle; the job (batches of 200 users per write) deleted" \
         "$job_deleted in $job_seconds s while the mix ran; server peak RSS $expire_rss MB"
  fi
  if ((parse)); then
    echo "- workload (7): Parse Server $parse_version (npm $parse_spec), one node $(node --version) process" \
         "(bench/parse-server.cjs: Parse's defaults, mounted on /parse of Express), on PostgreSQL $pg_version" \
         "(a fresh initdb cluster, its defaults: $parse_settings; Parse connects over TCP on 127.0.0.1);" \
         "POST /parse/users with authData.anonymous and a new id per request (201 Created), after one" \
         "unmeasured warm-up run of $duration s ($(row_stats parse-warmup | awk '{ print $1 }')/s)." \
         "Node peak RSS $parse_rss MB; after its runs $parse_users users in _User, database $parse_bytes bytes" \
         "($(( parse_users > 0 ? parse_bytes / parse_users : 0 )) bytes per user)"
    parse_problems=$(grep -ciE 'error' "$work/parse.err" 2>/dev/null || true)
    echo "- Parse Server's stderr: ${parse_problems:-0} line(s) mentioning an error"
  fi
} >"$table"

# ---- report ----
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if [[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]]; then dirty=" (with uncommitted changes)"; fi
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report="$work/report.md"
{
  echo "# guestpass benchmark results"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); git commit: $commit$dirty; build type: ${build_type:-unknown}"
  echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/^MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
  echo "- load average (1, 5, 15 min) before the run: $load_before; after: $load_after" \
       "(other work on the machine makes the figures noisy; the ratios to nginx less so)"
  echo "- $(wrk --version 2>&1 | head -n1 | awk '{ print "wrk " $2 }'), $("$nginx_bin" -v 2>&1 | sed 's/.*version: //')," \
       "sqlite3 $(sqlite3 --version | awk '{ print $1 }')"
  echo "- settings: $runs run(s) of $duration s per workload (median, spread min-max); wrk $wrk_threads thread(s)," \
       "$connections keep-alive connections, on the same cores as the servers; nginx worker_processes $nginx_workers;" \
       "guestpass --threads ${server_threads:-default ($(nproc))}; token pool $pool sessions"
  ((smoke)) && echo "- SMOKE run: figures are not meaningful (1 s runs), targets not checked"
  echo "- command: $command_line"
  echo
  cat "$table"
} >"$report"
cat "$report"
if [[ -n "$out" ]]; then
  mkdir -p "$(dirname "$out")"
  cp "$report" "$out"
  log "results written to $out"
fi

if ((failures)); then die "$failures run(s) had non-2xx responses (marked in the table)"; fi
if ((deploys_failed)); then die "workload (8): $deploys_failed deployment(s) through the Admin API failed"; fi
if has_workload deploy && ((deploys_ok == 0)); then die "workload (8): no deployment landed"; fi
log "done"
