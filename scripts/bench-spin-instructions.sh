#!/usr/bin/env bash
# Instructions per request (not a test): the in-process bench of crates/edgezero-spin-host
# (benches/in_process.rs) run under valgrind's callgrind, one component at a time, so that
# the figures are counts, the same on every run, whatever else the machine is doing.
#
# For examples/counter, benches/spin-size/counter-run-app (the same app behind
# `#[http_service]` + `run_app` instead of `component!`), bare-counter-checked and
# bare-counter it counts the instructions of the whole process (host and guest, not the
# kernel) for two runs of different lengths; their difference divided by the extra requests
# is the cost of one request. Then the ratios: bare/ours and checked/ours are what
# throughput would be if every instruction cost the same (goal >= 0.95, like the bench's);
# ours/run_app compares the two entry points (goal: within 2 %).
#
# Usage: scripts/bench-spin-instructions.sh [reused|fresh] (default: both)
#        OURS_WASM=x.wasm scripts/bench-spin-instructions.sh reused   (another build of ours;
#        RUN_APP_WASM likewise)
set -euo pipefail
cd "$(dirname "$0")/.."
modes="${1:-reused fresh}"

command -v valgrind >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq valgrind >/dev/null
}

ours="${OURS_WASM:-$(scripts/wasm-build.sh examples/counter/crates/counter-adapter-spin 2>/dev/null | tail -n 1)}"
run_app="${RUN_APP_WASM:-$(scripts/wasm-build.sh benches/spin-size/counter-run-app 2>/dev/null | tail -n 1)}"
checked=$(scripts/wasm-build.sh benches/spin-size/bare-counter-checked 2>/dev/null | tail -n 1)
bare=$(scripts/wasm-build.sh benches/spin-size/bare-counter 2>/dev/null | tail -n 1)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/bench}"
bench=$(cargo bench -p edgezero-spin-host --bench in_process --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*in_process[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bench" ] || { echo "error: could not build the in_process bench" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Instructions of one bench run over one component, `$2` requests per round, mode `$3`.
count() {
  MODES="$3" PAIRS=1 REQUESTS="$2" OURS_WASM="$1" RUN_APP_WASM="$1" BARE_WASM="$1" CHECKED_WASM="$1" \
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bench" >"$tmp/log" 2>&1
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/log"
}

# One request's instructions: a run of 400 requests per round minus one of 100. Each run
# makes four rounds (ours, run_app, bare, checked — here all the same component) plus a
# warm-up of REQUESTS/10 + 1 each, so the difference is 4 * (300 + 30) requests. The first
# run only fills the host's compilation cache.
per_request() {
  count "$1" 100 "$2" >/dev/null
  local short long
  short=$(count "$1" 100 "$2")
  long=$(count "$1" 400 "$2")
  echo $(( (long - short) / 1320 ))
}

for mode in $modes; do
  o=$(per_request "$ours" "$mode")
  r=$(per_request "$run_app" "$mode")
  c=$(per_request "$checked" "$mode")
  b=$(per_request "$bare" "$mode")
  echo "$mode instances: instructions per request"
  printf '  %-32s %9d\n' "counter (EdgeZero, component!)" "$o" "counter-run-app (run_app)" "$r" \
    "bare-counter-checked" "$c" "bare-counter" "$b"
  awk -v o="$o" -v r="$r" -v c="$c" -v b="$b" 'BEGIN {
    printf "  bare/ours %.3f (goal >= 0.95)   checked/ours %.3f   bare/checked %.3f\n", b / o, c / o, b / c
    printf "  ours/run_app %.3f (component! vs run_app; goal >= 0.98)\n", o / r }'
done
