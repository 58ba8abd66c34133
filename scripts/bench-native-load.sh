#!/usr/bin/env bash
# Load-tests the native server against a minimal hyper server returning the same body, in
# the same run, on loopback, and prints the throughput ratio (goal: >= 0.85).
# Usage: scripts/bench-native-load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p edgezero-benches --bin bench-server -q
bin=target/release/bench-server

run() {
  local kind=$1 port=$2
  "$bin" "$kind" "127.0.0.1:$port" 2>/dev/null &
  local pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  wrk -t1 -c64 -d2s "http://127.0.0.1:$port/hello" >/dev/null        # warm-up
  local out
  out=$(wrk -t1 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/hello")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

ours=$(run edgezero 18081)
base=$(run hyper 18082)
echo "native server: ${ours} req/s; bare hyper: ${base} req/s"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "ratio edgezero/hyper: %.2f (goal >= 0.85)\n", a / b }'
