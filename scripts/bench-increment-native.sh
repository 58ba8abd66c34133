#!/usr/bin/env bash
# Native SQLite KV: `increment` (one BEGIN IMMEDIATE transaction) against a get + set pair
# (two transactions, loses updates under concurrency), same file, same number of operations,
# 5 alternating rounds; prints the median ops/s of each and the ratio.
# Usage: scripts/bench-increment-native.sh [operations per round, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
cargo build --release --locked -q -p edgezero-benches --bin bench-increment
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/bench-increment "$n" "$work/kv.db"
