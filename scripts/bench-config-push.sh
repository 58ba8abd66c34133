#!/usr/bin/env bash
# Usage: scripts/bench-config-push.sh [n] [big]
#
# 1. Times `edgezero config push --local` of N entries (default 10000) against a minimal
#    program inserting the same rows with one prepared statement in one transaction, in the
#    same run, and prints the ratio (goal: <= 1.5x). Best of 5 runs each, fresh file every run.
# 2. Scale: `config validate` and `config push --local` of BIG entries (default 1000000; 0
#    skips), once each, printing the config file's size, the wall time and the peak resident
#    memory (GNU time's %M: the process's ru_maxrss, the peak /proc/<pid>/status calls VmHWM),
#    so memory can be compared with the file (goal: seconds, memory proportional to the file).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
big="${2:-1000000}"
cargo build --release --locked -q -p edgezero-cli -p edgezero-benches --bin edgezero --bin push-baseline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/spin"
cat > "$work/edgezero.toml" <<TOML
[app]
name = "bench"
[stores.config]
ids = ["default"]
file = "config.toml"
[adapters.spin.adapter]
manifest = "spin/spin.toml"
TOML
printf 'spin_manifest_version = 2\n[application]\nname = "bench"\n[component.bench]\nsource = "b.wasm"\nkey_value_stores = ["default"]\n' > "$work/spin/spin.toml"
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "\"key.%05d\" = \"value-%d\"\n", i, i }' > "$work/config.toml"

best() { sort -n | head -n 1; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

ours=$(for _ in 1 2 3 4 5; do rm -rf "$work/spin/.spin"; time_ms target/release/edgezero --manifest "$work/edgezero.toml" config push --adapter spin --local; done | best)
base=$(for _ in 1 2 3 4 5; do rm -f "$work/base.db"; time_ms target/release/push-baseline "$work/base.db" default "$n"; done | best)
pushed=$(target/release/edgezero --manifest "$work/edgezero.toml" config push --adapter spin --local 2>&1 | grep -o 'pushed [0-9]* entries' || true)
echo "config push --local of $n entries: ${ours} ms (${pushed}); single prepared statement in one transaction: ${base} ms"
awk -v a="$ours" -v b="$base" 'BEGIN { if (b < 1) b = 1; printf "ratio: %.2fx (goal <= 1.5x)\n", a / b }'

[ "$big" -gt 0 ] || exit 0
awk -v n="$big" 'BEGIN { for (i = 0; i < n; i++) printf "\"key.%07d\" = \"value-%d\"\n", i, i }' > "$work/config.toml"
size=$(stat -c %s "$work/config.toml")
echo "scale: $big entries, config file $(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($size bytes)"
# One run of `edgezero "$@"`: its exit status must be 0; prints "<secs> s, peak RSS <MB> MB".
measure() {
  local out
  if [ -x /usr/bin/time ]; then
    out=$(/usr/bin/time -f 'TIME %e %M' target/release/edgezero --manifest "$work/edgezero.toml" "$@" 2>&1 >/dev/null) \
      || { echo "edgezero $* failed:"; echo "$out"; exit 1; }
    echo "$out" | awk '/^TIME / { printf "%.2f s, peak RSS %.0f MB", $2, $3 / 1024 }'
  else
    # Without GNU time: wall time only.
    local s e
    s=$(date +%s%N)
    target/release/edgezero --manifest "$work/edgezero.toml" "$@" >/dev/null 2>&1
    e=$(date +%s%N)
    awk -v ns=$(( e - s )) 'BEGIN { printf "%.2f s, peak RSS unknown (install GNU time)", ns / 1e9 }'
  fi
}
echo "  config validate:              $(measure config validate)"
rm -rf "$work/spin/.spin"
echo "  config push --adapter spin --local: $(measure config push --adapter spin --local)"
db_size=$(stat -c %s "$work/spin/.spin/sqlite_key_value.db")
echo "  (SQLite file after the push: $(awk -v b="$db_size" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"
