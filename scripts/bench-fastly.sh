#!/usr/bin/env bash
# Fastly Compute: the counter example's app (EdgeZero) against the same counter written with
# the fastly crate alone (benches/fastly/bare-counter: the same KV Store work per request —
# `views` and `previous-request` each read and written back on their generation), both built
# with the same profile and run under the same Viceroy, on one fastly.toml that declares the
# KV Store (no local state backend: the adapter does what it does deployed), with wrk
# (16 connections), in alternating rounds with a fresh Viceroy; prints requests/s of each
# round, the medians with their ranges, the throughput ratio EdgeZero / bare (goal >= 0.95)
# and the sizes of the two programs (goal <= 1.15).
#
# Usage: scripts/bench-fastly.sh [seconds per round, default 5] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
rounds="${2:-5}"

command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq wrk >/dev/null
}
# shellcheck source=scripts/fastly-env.sh
source scripts/fastly-env.sh
cargo build -q --locked -p edgezero-cli
edgezero=target/debug/edgezero
declare -A manifest=(
  [edgezero]=examples/counter/edgezero.toml
  [bare]=benches/fastly/bare-counter/edgezero.toml
)
declare -A wasm=(
  [edgezero]=examples/counter/crates/counter-adapter-fastly/bin/main.wasm
  [bare]=benches/fastly/bare-counter/bin/main.wasm
)
for w in edgezero bare; do
  "$edgezero" build --adapter fastly --manifest "${manifest[$w]}" >/dev/null 2>&1
done
config=benches/fastly/bare-counter/fastly.toml

work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# One round of app $1: a fresh Viceroy, a warm-up, then wrk; prints requests/s.
round() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$EDGEZERO_VICEROY" serve -C "$config" --addr "127.0.0.1:$port" "${wasm[$1]}" >"$work/viceroy.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/counter" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c16 -d1s "http://127.0.0.1:$port/counter" >/dev/null
  wrk -t2 -c16 -d"${secs}s" "http://127.0.0.1:$port/counter" | awk '/Requests\/sec/ {print $2}'
  curl -s "http://127.0.0.1:$port/counter" >"$work/last-$1"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

ez=(); bare=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then e=$(round edgezero); b=$(round bare); else b=$(round bare); e=$(round edgezero); fi
  ez+=("$e"); bare+=("$b")
  printf 'round %d: edgezero %8.1f req/s   bare fastly %8.1f req/s   (last views: %s / %s)\n' \
    "$r" "$e" "$b" "$(cat "$work/last-edgezero")" "$(cat "$work/last-bare")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.1f-%.1f", lo, hi}'; }
me=$(median "${ez[@]}"); mb=$(median "${bare[@]}")
printf 'median: edgezero %.1f req/s (range %s), bare %.1f req/s (range %s), ratio %.3f (goal >= 0.95)\n' \
  "$me" "$(range "${ez[@]}")" "$mb" "$(range "${bare[@]}")" "$(echo "$me / $mb" | bc -l)"
se=$(stat -c %s "${wasm[edgezero]}"); sb=$(stat -c %s "${wasm[bare]}")
ge=$(gzip -9c "${wasm[edgezero]}" | wc -c); gb=$(gzip -9c "${wasm[bare]}" | wc -c)
printf 'size: edgezero %d bytes (gzip %d), bare %d bytes (gzip %d), ratio %.3f (gzip %.3f; goal <= 1.15)\n' \
  "$se" "$ge" "$sb" "$gb" "$(echo "$se / $sb" | bc -l)" "$(echo "$ge / $gb" | bc -l)"
