#!/usr/bin/env bash
# Cloudflare Workers: the counter example's Worker (EdgeZero) against the same counter
# written with workers-rs alone (benches/cloudflare/bare-counter: the same two Durable Object
# operations per request, on the same SQLite storage), both under the same workerd
# (`edgezero serve --adapter cloudflare`, miniflare), with wrk (16 connections), in
# alternating rounds with fresh state; prints requests/s of each round, the medians with
# their ranges, the throughput ratio EdgeZero / bare (goal >= 0.95) and the sizes of the two
# Workers' wasm (goal <= 1.15).
#
# Usage: scripts/bench-cloudflare.sh [seconds per round, default 5] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
rounds="${2:-5}"
bare_name="bare workers-rs"

# shellcheck source=scripts/cloudflare-env.sh
source scripts/cloudflare-env.sh
# shellcheck source=scripts/bench-against-bare.sh
source scripts/bench-against-bare.sh
cargo build -q --locked -p edgezero-cli
edgezero=target/debug/edgezero
declare -A manifest=(
  [edgezero]=examples/counter/edgezero.toml
  [bare]=benches/cloudflare/bare-counter/edgezero.toml
)
declare -A wasm=(
  [edgezero]=examples/counter/crates/counter-adapter-cloudflare/build/index_bg.wasm
  [bare]=benches/cloudflare/bare-counter/build/index_bg.wasm
)
for w in edgezero bare; do
  "$edgezero" build --adapter cloudflare --manifest "${manifest[$w]}" >/dev/null 2>&1
done

# Worker $1 under `edgezero serve` on port $2, with a fresh state directory.
start_runtime() {
  "$edgezero" serve --adapter cloudflare --no-build --manifest "${manifest[$1]}" \
    --listen "127.0.0.1:$2" --state-dir "$work/$1-$RANDOM" >"$work/serve.log" 2>&1 &
  pid=$!
}

run_rounds
