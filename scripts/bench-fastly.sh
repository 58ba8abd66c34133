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
bare_name="bare fastly"

# shellcheck source=scripts/fastly-env.sh
source scripts/fastly-env.sh
# shellcheck source=scripts/bench-against-bare.sh
source scripts/bench-against-bare.sh
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

# App $1 under Viceroy on port $2 (a fresh Viceroy has empty stores).
start_runtime() {
  "$EDGEZERO_VICEROY" serve -C benches/fastly/bare-counter/fastly.toml \
    --addr "127.0.0.1:$2" "${wasm[$1]}" >"$work/viceroy.log" 2>&1 &
  pid=$!
}

run_rounds
