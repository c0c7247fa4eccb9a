#!/usr/bin/env bash
# fuzz.sh [--smoke | --seconds N] [--merge] [target...]: builds the libFuzzer
# targets (fuzz/, in build-asan/ with clang: scripts/build-sanitized.sh) and
# runs each for a bounded time on a copy of its seed corpus
# (fuzz/corpus/<target>/) in a temporary directory, so the repository's
# corpus is never written to. Two targets run at once on two or more cores.
# Fails if any target crashes, leaks, times out or breaks a property, and
# prints the input that did it; reproduce with
#   build-asan/fuzz/fuzz_<target> <that file>
# --smoke (the default; what scripts/test.sh runs): 15 s per target.
# --seconds N: N seconds per target (a longer run: --seconds 600).
# --merge: afterwards, add the inputs that found new coverage to
#   fuzz/corpus/<target>/ (libFuzzer -merge=1), for a human to review and commit.
# Targets: every fuzz/<target>_fuzzer.cc unless named.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The sanitizers find llvm-symbolizer on PATH (file:line in reports); Debian
# keeps the unversioned name in llvm-14's own bin directory.
if [[ -d /usr/lib/llvm-14/bin ]]; then export PATH="$PATH:/usr/lib/llvm-14/bin"; fi

seconds=15
merge=false
targets=()
while (($#)); do
  case "$1" in
    --smoke) seconds=15 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --merge) merge=true ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzzer.cc; do
    f=${f#fuzz/}
    targets+=("${f%_fuzzer.cc}")
  done
fi
for t in "${targets[@]}"; do
  [[ -f fuzz/${t}_fuzzer.cc ]] || { echo "fuzz.sh: no target '$t' (fuzz/${t}_fuzzer.cc)" >&2; exit 2; }
done

echo "fuzz: building ${targets[*]} (build-asan/)"
bash scripts/build-sanitized.sh asan "${targets[@]/#/fuzz_}"

# Kept when something fails (crash inputs, logs); removed otherwise.
work=$(mktemp -d "${TMPDIR:-/tmp}/guestpass-fuzz.XXXXXX")
# UBSan findings are fatal already (-fno-sanitize-recover=all); the stack
# trace says where. libFuzzer reports leaks itself (-detect_leaks=1).
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

dict_for() {
  case "$1" in
    json_text|json_body|login_body|app_files) echo "$root/fuzz/dict/json.dict" ;;
    jwt|custom_jwt) echo "$root/fuzz/dict/jwt.dict" ;;
    http_request) echo "$root/fuzz/dict/http.dict" ;;
  esac
}

# run_one TARGET: fuzzes it; its log is $work/TARGET.log; crash inputs are
# $work/TARGET-crash-..., -leak-..., -timeout-..., -oom-...
run_one() {
  local t=$1 corpus="$work/corpus-$1" dict
  mkdir -p "$corpus"
  if [[ -d fuzz/corpus/$t ]]; then cp -R "fuzz/corpus/$t/." "$corpus/"; fi
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
              -print_final_stats=1 -artifact_prefix="$work/$t-")
  dict=$(dict_for "$t")
  if [[ -n $dict ]]; then args+=(-dict="$dict"); fi
  # http_request's server keeps state across inputs (its users, Asio's
  # recycled memory), so libFuzzer's leak check would scan the whole heap
  # after most inputs (300 runs/s instead of 3,500). LeakSanitizer still
  # checks at the end of the run, and fails it on a leak.
  if [[ $t == http_request ]]; then args+=(-detect_leaks=0); fi
  "$root/build-asan/fuzz/fuzz_$t" "${args[@]}" "$corpus" >"$work/$t.log" 2>&1
}

jobs=$(( $(nproc) < 2 ? 1 : 2 ))
echo "fuzz: ${seconds}s per target, $jobs at a time; work dir $work"
declare -A pid_of=()
failed=()
finish() {  # finish TARGET: waits for it and reports
  local t=$1 rc=0 execs
  wait "${pid_of[$t]}" || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || true)
  if ((rc == 0)); then
    echo "fuzz: $t ok (${execs:-?} runs in ${seconds}s)"
  else
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); the end of its log ($work/$t.log):"
    tail -n 60 "$work/$t.log" | sed 's/^/    /'
    for f in "$work/$t-"*; do
      [[ -e $f ]] && echo "fuzz: $t input: $f (reproduce: build-asan/fuzz/fuzz_$t $f)"
    done
  fi
}
running=()
for t in "${targets[@]}"; do
  if ((${#running[@]} >= jobs)); then
    finish "${running[0]}"
    running=("${running[@]:1}")
  fi
  run_one "$t" &
  pid_of[$t]=$!
  running+=("$t")
done
for t in "${running[@]}"; do finish "$t"; done

if $merge && ((${#failed[@]} == 0)); then
  for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    "$root/build-asan/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$work/corpus-$t" >"$work/$t.merge.log" 2>&1
    echo "fuzz: $t corpus: $(find "fuzz/corpus/$t" -type f | wc -l) inputs (git status shows the new ones)"
  done
fi

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs and logs kept in $work)"
  exit 1
fi
rm -rf "$work"
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a finding"
