#!/usr/bin/env bash
# Size benchmark (not a test): examples/counter as an EdgeZero Spin component versus the
# same KV work written directly against spin-sdk 6 (benches/spin-size/bare-counter).
# Both use the same release profile and toolchain. Goal: ours / bare <= 1.15.
#
#   scripts/bench-spin-size.sh           print both sizes and the ratio
#   scripts/bench-spin-size.sh --check   also exit 1 when the ratio is above the goal
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOAL=1.15

ours=$("$repo/scripts/wasm-build.sh" "$repo/examples/counter/crates/counter-adapter-spin" | tail -n 1)
bare=$("$repo/scripts/wasm-build.sh" "$repo/benches/spin-size/bare-counter" | tail -n 1)
ours_size=$(wc -c <"$ours")
bare_size=$(wc -c <"$bare")

ratio=$(awk -v a="$ours_size" -v b="$bare_size" 'BEGIN { printf "%.3f", a / b }')
within=$(awk -v r="$ratio" -v g="$GOAL" 'BEGIN { print (r <= g) ? "yes" : "no" }')

printf '%-32s %8d bytes (%d KiB)\n' "counter (EdgeZero)" "$ours_size" $((ours_size / 1024))
printf '%-32s %8d bytes (%d KiB)\n' "bare-counter (spin-sdk only)" "$bare_size" $((bare_size / 1024))
printf 'ratio ours/bare: %s (goal <= %s): %s\n' "$ratio" "$GOAL" \
    "$([ "$within" = yes ] && echo "within the goal" || echo "ABOVE the goal")"

if [ "${1:-}" = "--check" ] && [ "$within" != yes ]; then
    exit 1
fi
