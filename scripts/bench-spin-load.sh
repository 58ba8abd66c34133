#!/usr/bin/env bash
# Load-tests the embedded Spin host (crates/edgezero-spin-host) with two view counters that
# answer the same JSON:
#   (a) examples/counter, the EdgeZero app through edgezero-adapter-spin: an atomic
#       `increment` and a compare-and-swap `exchange` (wasi:keyvalue), so no view is lost;
#   (b) benches/spin-size/bare-counter, the seed's handler on spin-sdk 6 alone: read
#       `app-data`, add one, write it back (loses views under concurrency).
# Both run in the same host binary, on loopback, loaded with wrk in alternating rounds
# (a, b, a, b, ...) so that drift on the machine hits both alike. Prints requests/s of
# (a)/(b) (goal >= 0.95), p50/p99 latency, and each host's RSS after warm-up and after every
# round (it must stay flat; use 60 s for that check).
#
# Each pair is measured twice: with Spin's SQLite file (as `spin up` runs it; every write is
# a durable SQLite commit, which dominates and is noisy) and with an in-memory store
# (type = "spin" without `path`), which leaves only the host, the component and the
# framework.
#
# Usage: scripts/bench-spin-load.sh [seconds of load per component and store, default 10]
#        STORES=memory scripts/bench-spin-load.sh 30      (one kind of store only)
#        CONNECTIONS=64 scripts/bench-spin-load.sh        (wrk connections, default 32)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
connections="${CONNECTIONS:-32}"
rounds=$(( secs / 5 )); (( rounds < 2 )) && rounds=2; (( rounds > 6 )) && rounds=6
round_secs=$(( secs / rounds )); (( round_secs < 1 )) && round_secs=1

command -v wrk >/dev/null || {
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq wrk >/dev/null
}
counter_wasm=$(scripts/wasm-build.sh examples/counter/crates/counter-adapter-spin 2>/dev/null | tail -n 1)
bare_wasm=$(scripts/wasm-build.sh benches/spin-size/bare-counter 2>/dev/null | tail -n 1)
cargo build --release --locked -q -p edgezero-spin-host --bin edgezero-spin-host
bin=target/release/edgezero-spin-host

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

# to_ms 3.08ms|850.00us|1.02s -> milliseconds
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

# start_host NAME WASM PORT STORE -> sets $started_pid
start_host() {
  local name=$1 wasm=$2 port=$3 store=$4 dir="$work/$1-$4"
  mkdir -p "$dir"
  cat >"$dir/spin.toml" <<EOF
spin_manifest_version = 2
[application]
name = "$name"
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "$wasm"
key_value_stores = ["default"]
EOF
  local rc_args=()
  if [ "$store" = memory ]; then
    printf '[key_value_store.default]\ntype = "spin"\n' >"$dir/runtime-config.toml"
    rc_args=(--runtime-config-file "$dir/runtime-config.toml")
  fi
  RUST_LOG=warn "$bin" --from "$dir/spin.toml" "${rc_args[@]}" --listen "127.0.0.1:$port" 2>"$dir/host.log" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 600); do grep -q "listening on" "$dir/host.log" && break; sleep 0.2; done
  grep -q "listening on" "$dir/host.log" || { cat "$dir/host.log" >&2; exit 1; }
  wrk -t1 -c"$connections" -d3s "http://127.0.0.1:$port/counter" >/dev/null   # warm-up
}

# load PORT -> "requests seconds p50_ms p99_ms"
load() {
  local out
  out=$(wrk -t1 -c"$connections" -d"${round_secs}s" --latency "http://127.0.0.1:$1/counter")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "error: the host on port $1 answered with errors:" >&2; echo "$out" >&2; exit 1
  fi
  local reqs took p50 p99
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  took=$(awk '/requests in/ {gsub(",", "", $4); print $4}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  echo "$reqs $(to_ms "$took") $p50 $p99"
}

# summary LABEL "ROUND_LINES" "RSS_SERIES"
summary() {
  local label=$1 lines=$2 rss=$3 median
  # p50: the median of the rounds' medians; p99: the worst round.
  median=$(awk '{print $3}' <<<"$lines" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  awk -v label="$label" -v rss="$rss" -v median="$median" '
    { reqs += $1; ms += $2; if ($4 > p99) p99 = $4 }
    END {
      printf "  %-22s %9.1f req/s   p50 %6.2f ms   p99 %6.2f ms   RSS KiB: %s\n", label, reqs * 1000 / ms, median, p99, rss
    }' <<<"$lines"
}

rps_of() { awk '{ reqs += $1; ms += $2 } END { printf "%.3f", reqs * 1000 / ms }' <<<"$1"; }

growth() {
  # shellcheck disable=SC2086
  set -- $1
  local first=$1 last=${!#}
  awk -v f="$first" -v l="$last" 'BEGIN { printf "%+d KiB (%+.1f%%)", l - f, (l - f) * 100 / f }'
}

measure() {
  local store=$1 port_a=$2 port_b=$3 pid_a pid_b a_lines="" b_lines="" a_rss b_rss
  start_host counter "$counter_wasm" "$port_a" "$store"; pid_a=$started_pid
  start_host bare "$bare_wasm" "$port_b" "$store"; pid_b=$started_pid
  a_rss=$(rss_kb "$pid_a"); b_rss=$(rss_kb "$pid_b")
  for _ in $(seq "$rounds"); do
    a_lines+="$(load "$port_a")"$'\n'; a_rss+=" $(rss_kb "$pid_a")"
    b_lines+="$(load "$port_b")"$'\n'; b_rss+=" $(rss_kb "$pid_b")"
  done
  kill -INT "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null || true
  pids=()
  echo "== default store: $store; $rounds rounds of ${round_secs}s per component, $connections connections"
  summary "(a) edgezero counter" "${a_lines%$'\n'}" "$a_rss"
  summary "(b) bare spin-sdk 6" "${b_lines%$'\n'}" "$b_rss"
  printf '  req/s per round: (a)'; awk '{ printf " %.0f", $1 * 1000 / $2 }' <<<"${a_lines%$'\n'}"
  printf '; (b)'; awk '{ printf " %.0f", $1 * 1000 / $2 }' <<<"${b_lines%$'\n'}"; echo
  awk -v a="$(rps_of "${a_lines%$'\n'}")" -v b="$(rps_of "${b_lines%$'\n'}")" \
    'BEGIN { printf "  ratio (a)/(b): %.3f (goal >= 0.95)\n", a / b }'
  echo "  RSS growth after warm-up: (a) $(growth "$a_rss") (b) $(growth "$b_rss")"
}

for store in ${STORES:-file memory}; do
  case $store in
    file) measure file 18091 18092 ;;
    memory) measure memory 18093 18094 ;;
    *) echo "unknown store kind $store (STORES=\"file memory\")" >&2; exit 2 ;;
  esac
done
