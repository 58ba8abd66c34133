#!/usr/bin/env bash
# Runs the property tests for a long time: 1,000,000 cases each instead of the 1000 that
# `cargo test` runs. Use it after changing the router, the manifest parser, the KV cursor
# codec or key validation; expect it to take hours on a small machine (release build).
#
#   scripts/proptest-long.sh                 # every property test, 1,000,000 cases
#   PROPTEST_CASES=50000 scripts/proptest-long.sh   # another number of cases
#
# The tests: crates/edgezero-core/tests/prop_router.rs (random route tables and paths),
# crates/edgezero-core/tests/prop_kv.rs (cursor codec, key validation) and
# crates/edgezero-manifest/tests/prop_manifest.rs (random manifest text). A failure prints
# the smallest input that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"
echo "==> property tests with PROPTEST_CASES=$PROPTEST_CASES"
cargo test --release -p edgezero-core --test prop_router --test prop_kv
cargo test --release -p edgezero-manifest --test prop_manifest
