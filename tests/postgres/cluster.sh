#!/usr/bin/env bash
# cluster.sh: a throwaway PostgreSQL cluster for the tests (and benchmarks):
# Debian's server binaries (/usr/lib/postgresql/15/bin), initdb's defaults
# (fsync and synchronous_commit on), owned by the unprivileged `postgres`
# user when run as root (PostgreSQL refuses root), in a temporary directory,
# listening on a free loopback port with trust authentication. Never the
# system's `postgresql` service, which it neither starts nor needs.
#
#   cluster.sh start [DIR]  creates and starts the cluster in DIR (default: a
#                           new /tmp/guestpass-pg-XXXXXX), creates the
#                           database `guestpass`, prints DIR then the URL
#                           (postgresql://postgres@127.0.0.1:PORT/guestpass);
#                           a cluster already running in DIR is reused
#   cluster.sh url DIR      prints the URL of the cluster running in DIR
#   cluster.sh stop DIR     stops the cluster (fast shutdown) and deletes DIR;
#                           nothing running there is fine (idempotent)
#   cluster.sh down DIR     stops the server (fast shutdown), keeps the cluster (fault tests)
#   cluster.sh up DIR       starts it again on the same port
#   cluster.sh standby PRIMARY_DIR DIR
#                           makes DIR a streaming standby of the cluster
#                           running in PRIMARY_DIR (pg_basebackup over a
#                           replication connection, a replication slot so
#                           the primary keeps the WAL it needs), starts it,
#                           and makes it the primary's synchronous standby
#                           (synchronous_standby_names; synchronous_commit
#                           stays `on`: a commit returns once the standby
#                           has flushed it); prints DIR then its URL
#   cluster.sh kill DIR     kills the server at once (immediate shutdown:
#                           no checkpoint, as a crash), keeps the cluster
#   cluster.sh promote DIR  promotes the standby in DIR to a primary and
#                           waits until it accepts writes
#
# A caller names the directory and stops it from an EXIT trap set before the
# start, so a failing test (or start) leaves nothing (scripts/test.sh):
#   pg_dir=$(mktemp -d /tmp/guestpass-pg-XXXXXX)
#   trap 'bash tests/postgres/cluster.sh stop "$pg_dir"' EXIT
#   pg_url=$(bash tests/postgres/cluster.sh start "$pg_dir" | tail -n1)
# A standby made by `standby` names its primary in DIR/primary; `stop` stops
# and deletes one cluster: the caller stops each (standby and primary).
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

pg_bin=/usr/lib/postgresql/15/bin
if [[ ! -x $pg_bin/initdb ]]; then  # another Debian release: its PostgreSQL
  for d in /usr/lib/postgresql/*/bin; do if [[ -x $d/initdb ]]; then pg_bin=$d; fi; done
fi
[[ -x $pg_bin/initdb ]] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (bash scripts/install-deps.sh --test)"

as_owner=()  # runs a command as the cluster's owner: postgres when we are root
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "no postgres user (installing the postgresql package makes it)"
  as_owner=(runuser -u postgres --)
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {  # running DIR: the cluster in DIR is up
  [[ -f "$1/data/postmaster.pid" ]] && "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

url_of() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/guestpass"; }

# launch DIR PORT: pg_ctl start on PORT; returns 1 when the port was taken.
launch() {
  local dir=$1 port=$2
  if "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-k $dir/sock -p $port -c listen_addresses=127.0.0.1" start >"$dir/pg_ctl.log" 2>&1; then
    echo "$port" >"$dir/port"
    return 0
  fi
  if grep -q -e 'could not bind' -e 'Address already in use' "$dir/postgres.log" 2>/dev/null; then return 1; fi
  cat "$dir/pg_ctl.log" "$dir/postgres.log" >&2 2>/dev/null || true
  die "PostgreSQL did not start (log: $dir/postgres.log)"
}

start() {
  local dir=${1:-} attempt port
  if [[ -n $dir ]] && running "$dir"; then
    echo "$dir"
    url_of "$dir"
    return 0
  fi
  if [[ -z $dir ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-pg-XXXXXX")
  fi
  mkdir -p "$dir/sock"
  chmod 755 "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    if ((${#as_owner[@]})); then chown -R postgres: "$dir"; fi
    "${as_owner[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # The tests open many stores (a writer and a few readers each) at once.
    echo "max_connections = 300" >>"$dir/data/postgresql.conf"
  fi
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    port_open "$port" && continue
    if launch "$dir" "$port"; then
      "${as_owner[@]}" "$pg_bin/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'guestpass'" | grep -q 1 ||
        "${as_owner[@]}" "$pg_bin/createdb" -h "$dir/sock" -p "$port" -U postgres guestpass ||
        die "createdb guestpass failed"
      echo "$dir"
      url_of "$dir"
      return 0
    fi
  done
  die "no free port found"
}

stop() {
  local dir=${1:?usage: cluster.sh stop DIR}
  [[ -d $dir ]] || return 0
  case $(basename "$dir") in guestpass-pg-*) ;; *) [[ -f "$dir/data/PG_VERSION" || ! -e "$dir/data" ]] ||
    die "$dir does not look like a cluster made by cluster.sh; not deleting it" ;; esac
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      echo "cluster.sh: pg_ctl stop failed; see $dir/postgres.log" >&2
  fi
  rm -rf "$dir"
}

down() {
  local dir=${1:?usage: cluster.sh down DIR}
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

up() {
  local dir=${1:?usage: cluster.sh up DIR}
  running "$dir" && return 0
  launch "$dir" "$(cat "$dir/port")" || die "port $(cat "$dir/port") was taken meanwhile"
}

psql_in() {  # psql_in DIR ARGS...: psql as the owner on DIR's socket, database postgres
  local dir=$1
  shift
  "${as_owner[@]}" "$pg_bin/psql" -h "$dir/sock" -p "$(cat "$dir/port")" -U postgres -d postgres -Atqc "$@"
}

standby() {
  local primary=${1:?usage: cluster.sh standby PRIMARY_DIR DIR} dir=${2:?usage: cluster.sh standby PRIMARY_DIR DIR}
  local attempt port name
  running "$primary" || die "no cluster running in $primary"
  if running "$dir"; then
    echo "$dir"
    url_of "$dir"
    return 0
  fi
  [[ ! -e "$dir/data" ]] || die "$dir/data exists and is not running; stop it first"
  # Its name on the primary: application_name, the slot, synchronous_standby_names.
  name="standby_$(basename "$dir" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')"
  mkdir -p "$dir/sock"
  chmod 755 "$dir"
  if ((${#as_owner[@]})); then chown -R postgres: "$dir"; fi
  # initdb's pg_hba.conf trusts replication connections from loopback.
  psql_in "$primary" "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$name'" | grep -q 1 ||
    psql_in "$primary" "SELECT pg_create_physical_replication_slot('$name')" >/dev/null ||
    die "could not create the replication slot $name"
  # -R writes standby.signal and primary_conninfo; the application name is
  # what synchronous_standby_names matches.
  "${as_owner[@]}" "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres \
    -D "$dir/data" -X stream -S "$name" -R -c fast >"$dir/basebackup.log" 2>&1 ||
    { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
  "${as_owner[@]}" sed -i "s/primary_conninfo = '/primary_conninfo = 'application_name=$name /" \
    "$dir/data/postgresql.auto.conf"
  grep -q "application_name=$name" "$dir/data/postgresql.auto.conf" || die "no primary_conninfo written by pg_basebackup"
  rm -f "$dir/data/postmaster.pid" "$dir/data/postmaster.opts"
  echo "$primary" >"$dir/primary"
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    port_open "$port" && continue
    if launch "$dir" "$port"; then
      # Commits on the primary wait for this standby from now on.
      psql_in "$primary" "ALTER SYSTEM SET synchronous_standby_names = '$name'" >/dev/null &&
        psql_in "$primary" "SELECT pg_reload_conf()" >/dev/null || die "could not set synchronous_standby_names"
      for ((attempt = 0; attempt < 300; attempt++)); do
        [[ $(psql_in "$primary" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$name'") == sync ]] &&
          { echo "$dir"; url_of "$dir"; return 0; }
        sleep 0.1
      done
      die "the standby did not become synchronous within 30 s (log: $dir/postgres.log)"
    fi
  done
  die "no free port found"
}

kill_now() {
  local dir=${1:?usage: cluster.sh kill DIR}
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
}

promote() {
  local dir=${1:?usage: cluster.sh promote DIR}
  running "$dir" || die "no cluster running in $dir"
  # -w waits until the promotion is complete (the server accepts writes).
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -w -t 60 promote >/dev/null || die "pg_ctl promote failed"
  [[ $(psql_in "$dir" "SELECT pg_is_in_recovery()") == f ]] || die "$dir is still in recovery"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  url) running "${2:?usage: cluster.sh url DIR}" || die "no cluster running in $2"; url_of "$2" ;;
  stop) stop "${2:-}" ;;
  down) down "${2:-}" ;;
  up) up "${2:-}" ;;
  standby) standby "${2:-}" "${3:-}" ;;
  kill) kill_now "${2:-}" ;;
  promote) promote "${2:-}" ;;
  *) sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
