#!/usr/bin/env bash
# Runs every check of the repository: formatting, clippy, the test suites, and the
# WebAssembly component builds. Installs what it needs, only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo test --workspace --locked

if [ -x scripts/check-spin-components.sh ]; then
  step "spin components"
  scripts/check-spin-components.sh
fi

step "all checks passed"
