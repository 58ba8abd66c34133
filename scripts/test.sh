#!/usr/bin/env bash
# Runs every check of the repository: formatting, clippy, the test suites, and the
# WebAssembly component builds. Installs what it needs, only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# One cold build per run: incremental caches only cost disk and time here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "rustfmt"
cargo fmt --all -- --check

step "no import circles between the files of any crate"
scripts/check-import-cycles.sh crates/*/src

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Builds the example components (installing the wasm toolchain when missing) before the
# tests, which run them in the embedded host and reuse the warm target/wasm.
step "spin components"
scripts/check-spin-components.sh

step "Cloudflare Workers: wasm-bindgen-cli at the Workers' locked version (the CLI tests build a Worker)"
# shellcheck source=scripts/cloudflare-env.sh
source scripts/cloudflare-env.sh

step "Fastly Compute: Viceroy at the CLI's pinned version (the CLI tests serve a Fastly app)"
# shellcheck source=scripts/fastly-env.sh
source scripts/fastly-env.sh

step "redis-server (the Spin host's Redis tests start one on loopback)"
if ! command -v redis-server >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq redis-server >/dev/null
fi

step "chromium and chromedriver (the kv-explorer's browser tests drive a headless Chromium)"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
fi

step "tests (disk free: $(df -h --output=avail . | tail -n 1 | tr -d ' '))"
cargo test --workspace --locked

# `cargo run -p edgezero-cli` resolves features for the CLI alone, not unified with the whole
# workspace's tests, so it compiles its own copy of about 90 crates, and `serve --adapter
# native` then runs `cargo run --manifest-path <the app's native crate>`, again with that
# crate's own features. Both are built here, once, exactly as the README's run command
# (`cargo run -p edgezero-cli -- serve --adapter native`) builds them: it then serves within
# a second after this script.
step "the README's run command: the CLI and the url-shortener's native server"
cargo build -p edgezero-cli --locked
cargo build --locked --manifest-path examples/url-shortener/crates/url-shortener-adapter-native/Cargo.toml

# The components were built by check-spin-components.sh above.
step "conformance: every example on every adapter (docs/conformance.md)"
CONFORMANCE_NO_BUILD=1 scripts/conformance.sh native
CONFORMANCE_NO_BUILD=1 scripts/conformance.sh spin
# Builds each example's Worker (wasm-bindgen and miniflare installed when missing), then runs
# it under workerd.
scripts/conformance.sh cloudflare
# Builds each example's Fastly app, then runs it under Viceroy.
scripts/conformance.sh fastly

step "a fresh scaffold with the newest compatible dependencies, warnings as errors"
scripts/check-scaffold-latest.sh target/debug/edgezero

step "all checks passed (disk free: $(df -h --output=avail . | tail -n 1 | tr -d ' '))"
