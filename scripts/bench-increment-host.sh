#!/usr/bin/env bash
# The embedded Spin host: `wasi:keyvalue/atomics.increment` against the racy
# spin:key-value get + set pair the seeds' counters do, through the host-probe component
# (`/raw/wkv/incr/...` vs `/raw/getset/...`), on Spin's SQLite file, with wrk (16
# connections), in alternating rounds; prints requests/s of each round, the medians and the
# ratio increment / get+set (goal >= 1.0); and an exchange (`/raw/wkv/xchg/...`: compare-and-swap
# until it wins) against the same pair.
#
# Usage: scripts/bench-increment-host.sh [seconds per round, default 5] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
rounds="${2:-5}"

command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq wrk >/dev/null
}
probe=$(scripts/wasm-build.sh crates/edgezero-spin-host/tests/components/host-probe 2>/dev/null | tail -n 1)
cargo build --release --locked -q -p edgezero-spin-host --bin edgezero-spin-host
work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/spin.toml" <<TOML
spin_manifest_version = 2
[application]
name = "bench"
[[trigger.http]]
route = "/..."
component = "probe"
[component.probe]
source = "$probe"
key_value_stores = ["default"]
TOML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn target/release/edgezero-spin-host --from "$work/spin.toml" --listen "127.0.0.1:$port" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/raw/wkv/incr/default/warm/1" >/dev/null && break; sleep 0.1; done

rps() { wrk -t2 -c16 -d"${secs}s" "http://127.0.0.1:$port$1" | awk '/Requests\/sec/ {print $2}'; }
inc=(); pair=(); xchg=()
for r in $(seq "$rounds"); do
  i=$(rps /raw/wkv/incr/default/a/1); p=$(rps /raw/getset/default/b); x=$(rps /raw/wkv/xchg/default/c/v)
  inc+=("$i"); pair+=("$p"); xchg+=("$x")
  printf 'round %d: increment %8.1f req/s   get+set %8.1f req/s   exchange %8.1f req/s\n' "$r" "$i" "$p" "$x"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mi=$(median "${inc[@]}"); mp=$(median "${pair[@]}"); mx=$(median "${xchg[@]}")
printf 'median: increment %.1f req/s, get+set %.1f req/s, exchange (compare-and-swap) %.1f req/s\n' "$mi" "$mp" "$mx"
printf 'ratios: increment / get+set %.2f, exchange / get+set %.2f (goal >= 1.0)\n' \
  "$(echo "$mi / $mp" | bc -l)" "$(echo "$mx / $mp" | bc -l)"
final=$(curl -s "http://127.0.0.1:$port/raw/wkv/incr/default/a/0")
echo "increments counted: $final (every request of the increment rounds)"
