#!/usr/bin/env bash
# Load-tests the proxy example (examples/proxy) on the native server against a minimal hyper
# reverse proxy doing the same forwarding, all in front of the same loopback origin, in the
# same run, alternating; prints the requests per second of each round and the ratio of the
# means (goal natively: >= 0.8). A third server, the example's handler with the origin fixed
# at startup (no config read at all), shows what the config read costs. With --host, the
# example's Spin component in the embedded host (release build) joins each round.
# Not part of the tests; wrk, the origin and the proxies share the machine, so run it on an
# idle one.
# Usage: scripts/bench-proxy.sh [--host] [seconds per run, default 10] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
with_host=no
if [ "${1:-}" = "--host" ]; then with_host=yes; shift; fi
secs="${1:-10}"
rounds="${2:-3}"
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p edgezero-benches --bin bench-proxy -q
bin=target/release/bench-proxy
if [ "$with_host" = yes ]; then
  # The host's release build lives with the in-process bench's (target/bench).
  CARGO_TARGET_DIR=target/bench cargo build --release --locked -p edgezero-spin-host --bin edgezero-spin-host -q
  wasm=$(scripts/wasm-build.sh examples/proxy/crates/proxy-adapter-spin | tail -n 1)
  app=$(mktemp -d)
  sed -e "s|^source = .*|source = \"$wasm\"|" examples/proxy/crates/proxy-adapter-spin/spin.toml >"$app/spin.toml"
  printf '[key_value_store.app_config]\ntype = "spin"\npath = "config.db"\n' >"$app/runtime-config.toml"
fi
origin_port=18190
path="/api/items/42?view=full"

wait_port() {
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on port $1" >&2; return 1
}

"$bin" origin "127.0.0.1:$origin_port" &
origin_pid=$!
trap 'kill "$origin_pid" 2>/dev/null || true' EXIT
wait_port "$origin_port"

run() {
  local kind=$1 port=$2 pid
  if [ "$kind" = host ]; then
    "$bin" seed-config "$app/config.db" "http://127.0.0.1:$origin_port"
    RUST_LOG=warn target/bench/release/edgezero-spin-host -f "$app/spin.toml" \
      --runtime-config-file "$app/runtime-config.toml" --listen "127.0.0.1:$port" \
      --variable "origin_host=127.0.0.1:$origin_port" 2>/dev/null &
  else
    "$bin" "$kind" "127.0.0.1:$port" "http://127.0.0.1:$origin_port" 2>/dev/null &
  fi
  pid=$!
  wait_port "$port"
  local check
  check=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path" || true)
  if [ "$check" != 200 ]; then
    kill "$pid"; echo "$kind proxy answered $check to $path" >&2; return 1
  fi
  wrk -t1 -c32 -d2s "http://127.0.0.1:$port$path" >/dev/null        # warm-up
  local out
  out=$(wrk -t1 -c32 -d"${secs}s" "http://127.0.0.1:$port$path")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

ours=(); fixed=(); base=(); host=()
for r in $(seq "$rounds"); do
  ours+=("$(run edgezero 18191)")
  fixed+=("$(run edgezero-static 18193)")
  base+=("$(run hyper 18192)")
  line="round $r: proxy example ${ours[-1]} req/s; origin fixed at startup ${fixed[-1]} req/s; bare hyper proxy ${base[-1]} req/s"
  if [ "$with_host" = yes ]; then
    host+=("$(run host 18194)")
    line="$line; embedded host ${host[-1]} req/s"
  fi
  echo "$line"
done
awk -v a="${ours[*]}" -v f="${fixed[*]}" -v b="${base[*]}" -v h="${host[*]}" 'BEGIN {
  n = split(a, x, " "); split(f, z, " "); split(b, y, " "); m = split(h, w, " ");
  for (i = 1; i <= n; i++) { sa += x[i]; sf += z[i]; sb += y[i]; sh += w[i] }
  printf "mean: proxy example %.0f req/s; origin fixed at startup %.0f req/s; bare hyper proxy %.0f req/s\n", sa / n, sf / n, sb / n
  printf "ratio proxy example/hyper: %.2f (goal >= 0.8)\n", sa / sb
  printf "ratio origin fixed at startup/hyper: %.2f\n", sf / sb
  if (m > 0) printf "ratio embedded host (Spin component)/hyper: %.2f\n", sh / sb
}'
