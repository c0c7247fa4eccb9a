#!/usr/bin/env bash
# bench/two_servers.sh: two guestpass servers on one PostgreSQL database (the
# issue's "several stateless servers on one database"), on a throwaway
# PostgreSQL 15 cluster at its defaults (fsync and synchronous_commit on;
# tests/postgres/cluster.sh), all on loopback:
#   login-two    anonymous login with the load spread over both servers: one
#                wrk per server (half the connections each) at the same time;
#                the rate is their sum, the p99 the larger of their two p99s
#   login-one    the same connections on one server alone, in the same rounds
#   propagation  bench/propagation.mjs: a login on one server -> the first
#                refresh / profile on the other; a logout on one -> the first
#                refusal on the other; a deployment through one's Admin API ->
#                its first effect on the other (the config watcher's poll)
# Rounds interleave the rows; each rate is the median of R runs.
# Stops everything it started on exit (servers, the cluster).
#
#   bash bench/two_servers.sh                      # 3 runs of 5 s per row, 20 samples (~1 min)
#   bash bench/two_servers.sh --runs 1 --duration 2 --samples 5 --out ''   # a quick look
#   bash bench/two_servers.sh --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
lua="$here/lua"
build="$root/build"

command_line="bash bench/two_servers.sh${*:+ $*}"
runs=3
duration=5
connections=64
samples=20
threads=""
do_build=1
out="$here/results/two-servers.md"

usage() {
  cat <<'EOF'
usage: bash bench/two_servers.sh [options]
  --runs R            runs per row; each figure is their median (default 3)
  --duration S        seconds per run (default 5)
  --connections C     wrk connections in all (default 64; C/2 to each server in login-two)
  --samples N         samples of each propagation (default 20)
  --threads N         guestpass serve --threads of each server (default: its own, the cores)
  --no-build          use build/guestpass as it is (else: ninja under /tmp/guestpass-build.lock)
  --out FILE          markdown report (default bench/results/two-servers.md; '' for none)
EOF
}

while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

log() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

for tool in wrk psql node; do command -v "$tool" >/dev/null 2>&1 ||
  die "$tool is missing (apt-get install wrk postgresql nodejs; bash scripts/install-deps.sh --test)"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-two-XXXXXX")
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-pg-XXXXXX")
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
  log "building guestpass (ninja under the machine's build lock; a no-op when up to date)"
  flock /tmp/guestpass-build.lock ninja -C "$build" -j2 guestpass >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; die "build"; }
fi
server_bin="$build/guestpass"
[[ -x $server_bin ]] || die "$server_bin is missing"

pg_url=$(bash "$root/tests/postgres/cluster.sh" start "$pg_dir" | tail -n1)
log "PostgreSQL $(psql "$pg_url" -Atqc 'SHOW server_version') at $pg_url (fsync $(psql "$pg_url" -Atqc 'SHOW fsync'),"\
" synchronous_commit $(psql "$pg_url" -Atqc 'SHOW synchronous_commit'))"

# Both servers need the master key that seals the signing keys in the database.
export GUESTPASS_MASTER_KEY
GUESTPASS_MASTER_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export GUESTPASS_ADMIN_PASSWORD="bench-$RANDOM$RANDOM$RANDOM"

# start_server NAME: guestpass serve on the cluster's database; sets url_NAME and app_NAME.
start_server() {
  local name=$1 i args
  args=(serve --listen 127.0.0.1:0 --data-dir "$work/data-$name" --database "$pg_url" --signups-per-hour 0)
  [[ -z $threads ]] || args+=(--threads "$threads")
  "$server_bin" "${args[@]}" >"$work/$name.out" 2>"$work/$name.err" &
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
start_server a  # the first start creates the app, the admin user and the signing key
start_server b
[[ $app_a == "$app_b" ]] || die "the servers serve different apps ($app_a, $app_b)"
log "guestpass a: $url_a, b: $url_b (app $app_a)"
login_path="/api/client/v2.0/app/$app_a/auth/providers/anon-user/login"

results="$work/results.tsv"  # row run rps p99_us
: >"$results"
failures=0

# wrk_once OUT CONNECTIONS URL: one wrk run (login.lua) into OUT.
wrk_once() {
  timeout $((duration + 60)) wrk -t1 -c"$2" -d"${duration}s" --latency -s "$lua/login.lua" "$3" >"$1" 2>&1 ||
    { cat "$1" >&2; die "wrk failed"; }
}

# record ROW RUN LOG..: adds the runs' sum of rates and largest p99 to the results.
record() {
  local row=$1 run=$2 f line total=0 worst=0 bad=0
  shift 2
  for f in "$@"; do
    line=$(grep '^GPBENCH ' "$f" | tail -n1) || { cat "$f" >&2; die "wrk printed no result ($row)"; }
    local requests seconds rps p50_us p99_us p999_us non2xx connect_errors read_errors write_errors timeouts
    eval "${line#GPBENCH }"
    total=$(awk -v a="$total" -v b="$rps" 'BEGIN { print a + b }')
    worst=$(awk -v a="$worst" -v b="$p99_us" 'BEGIN { print (b > a) ? b : a }')
    bad=$((bad + non2xx + connect_errors + read_errors + write_errors + timeouts))
  done
  ((bad == 0)) || { failures=$((failures + 1)); log "$row run $run: $bad failed requests"; }
  printf '%s\t%s\t%s\t%s\n' "$row" "$run" "$total" "$worst" >>"$results"
  printf 'bench:   %-10s run %d: %8.0f logins/s  p99 %7s ms\n' "$row" "$run" "$total" "$(ms "$worst")" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
half=$((connections / 2))
for ((run = 1; run <= runs; run++)); do
  log "round $run of $runs ($duration s per row)"
  wrk_once "$work/two-a-$run.log" "$half" "$url_a$login_path" &
  wa=$!
  wrk_once "$work/two-b-$run.log" "$((connections - half))" "$url_b$login_path" &
  wb=$!
  wait "$wa" || die "wrk (a) failed"
  wait "$wb" || die "wrk (b) failed"
  record login-two "$run" "$work/two-a-$run.log" "$work/two-b-$run.log"
  # The one-server row alternates between the servers.
  if ((run % 2)); then one=$url_a; else one=$url_b; fi
  wrk_once "$work/one-$run.log" "$connections" "$one$login_path"
  record login-one "$run" "$work/one-$run.log"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

log "propagation: $samples samples of each"
node "$here/propagation.mjs" "$url_a" "$url_b" "$GUESTPASS_ADMIN_PASSWORD" "$app_a" "$samples" >"$work/propagation.log" 2>&1 ||
  { cat "$work/propagation.log" >&2; die "propagation"; }
declare -A prop
while read -r _ kind n median p90 max first; do
  prop[$kind]="${median#median_ms=} | ${p90#p90_ms=} | ${max#max_ms=} | ${first#first_try=} of ${n#samples=}"
done < <(grep '^PROPAGATION ' "$work/propagation.log" | sed 's/kind=//')

median() {  # median ROW COLUMN(3 rps, 4 p99_us)
  awk -F'\t' -v row="$1" -v col="$2" '$1 == row { print $col }' "$results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
range() { awk -F'\t' -v row="$1" '$1 == row { print $3 }' "$results" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }'; }

table=$(
  echo "| load | logins/s (median) | spread (min-max) | p99 ms |"
  echo "|---|---:|---:|---:|"
  printf '| two servers, %d + %d connections | %.0f | %s | %s |\n' "$half" "$((connections - half))" \
    "$(median login-two 3)" "$(range login-two)" "$(ms "$(median login-two 4)")"
  printf '| one server, %d connections | %.0f | %s | %s |\n' "$connections" \
    "$(median login-one 3)" "$(range login-one)" "$(ms "$(median login-one 4)")"
  echo
  echo "| propagation from one server to the other | median ms | p90 ms | max ms | seen at the first try |"
  echo "|---|---:|---:|---:|---:|"
  echo "| login -> first refresh (201) | ${prop[session]} |"
  echo "| login -> first profile (200) | ${prop[profile]} |"
  echo "| logout -> first refresh refused (401) | ${prop[logout]} |"
  echo "| deployment (anon-user disabled or enabled) -> first login that sees it | ${prop[config]} |"
)
echo "$table"
if [[ -n $out ]]; then
  {
    echo "# Two guestpass servers on one PostgreSQL database"
    echo
    echo "\`$command_line\`, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown);"
    echo "$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), load average $load_before before, $load_after after."
    echo "PostgreSQL $(psql "$pg_url" -Atqc 'SHOW server_version') at its defaults (fsync on, synchronous_commit on),"
    echo "both servers, PostgreSQL and wrk (1 thread per server) on the same cores."
    echo "$runs runs of $duration s per row, interleaved; each rate is the median, its p99 the larger of the two servers'."
    echo "Propagation: $samples samples each (the deployment: $samples disables and $samples enables), the other server"
    echo "polled back to back; the time runs from the first server's answer to the other's first answer that shows it."
    echo
    echo "$table"
  } >"$out"
  log "report: $out"
fi
((failures == 0)) || die "$failures runs had failed requests"
