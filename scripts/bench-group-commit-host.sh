#!/usr/bin/env bash
# The embedded Spin host with group commit against each key-value write committed alone
# (EDGEZERO__KV__GROUP_COMMIT=off): the examples/counter component (`GET /counter`: an atomic
# increment and an exchange, two durable writes of Spin's SQLite file per request), 16
# connections (wrk), two host processes on two files in one directory, alternating rounds.
# Prints requests/s of each round, the medians and the ratio grouped / alone (goal >= 3).
#
# Usage: scripts/bench-group-commit-host.sh [seconds per round, default 5] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
rounds="${2:-5}"

command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq wrk >/dev/null
}
counter=$(scripts/wasm-build.sh examples/counter/crates/counter-adapter-spin --locked 2>/dev/null | tail -n 1)
cargo build --release --locked -q -p edgezero-spin-host --bin edgezero-spin-host
work=$(mktemp -d "$PWD/target/bench-group-commit-host.XXXXXX")
# `start` runs in a command substitution (a subshell): each host's pid goes to a file.
cleanup() {
  for f in "$work"/*/pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start NAME GROUP_COMMIT: a host serving the counter on its own SQLite file; prints the port.
start() {
  mkdir -p "$work/$1"
  cat >"$work/$1/spin.toml" <<TOML
spin_manifest_version = 2
[application]
name = "bench"
[[trigger.http]]
route = "/..."
component = "counter"
[component.counter]
source = "$counter"
key_value_stores = ["default"]
TOML
  local port; port=$(free_port)
  EDGEZERO__KV__GROUP_COMMIT=$2 RUST_LOG=warn target/release/edgezero-spin-host \
    --from "$work/$1/spin.toml" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  echo $! >"$work/$1/pid"
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/counter" >/dev/null && break; sleep 0.1; done
  echo "$port"
}
grouped_port=$(start grouped on)
alone_port=$(start alone off)

rps() { wrk -t2 -c16 -d"${secs}s" "http://127.0.0.1:$1/counter" | awk '/Requests\/sec/ {print $2}'; }
g=(); a=()
for r in $(seq "$rounds"); do
  gr=$(rps "$grouped_port"); al=$(rps "$alone_port")
  g+=("$gr"); a+=("$al")
  printf 'round %d: grouped %8.1f req/s   alone %8.1f req/s   ratio %.2f\n' "$r" "$gr" "$al" "$(echo "$gr / $al" | bc -l)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mg=$(median "${g[@]}"); ma=$(median "${a[@]}")
printf 'median: grouped %.1f req/s, alone %.1f req/s, ratio grouped / alone %.2f (goal >= 3)\n' \
  "$mg" "$ma" "$(echo "$mg / $ma" | bc -l)"
