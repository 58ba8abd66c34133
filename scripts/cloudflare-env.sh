#!/usr/bin/env bash
# What building and running Cloudflare Workers needs, installed only when missing, inside
# the repository's own folders (except `cargo install`'s bin directory).
#
#   source scripts/cloudflare-env.sh    installs, then exports:
#     EDGEZERO_CLOUDFLARE_TARGET_DIR  <repo>/target/wasm-cloudflare: every example's Worker
#                                     shares one build of std and workers-rs
#     EDGEZERO_MINIFLARE_DIR          <repo>/target/npm/miniflare: one install of miniflare
#                                     (with workerd) for every example
#
# Installs:
#   - the wasm toolchain (scripts/wasm-toolchain.sh: rustup's target, else Debian's compiler
#     with -Zbuild-std and lld-19's wasm-ld)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version of the examples' Worker lockfiles
#     (`cargo install`, a few minutes once)
#   - miniflare, pinned by the CLI (crates/edgezero-cloudflare-names), with npm on first serve

_cf_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/wasm-toolchain.sh
source "$_cf_repo/scripts/wasm-toolchain.sh"

_cf_bindgen_version() {
    local lock versions
    versions=$(for lock in "$_cf_repo"/examples/*/crates/*-adapter-cloudflare/Cargo.lock; do
        awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' "$lock"
    done | sort -u)
    if [ "$(printf '%s\n' "$versions" | grep -c .)" != 1 ]; then
        echo "cloudflare-env: the Worker lockfiles disagree on wasm-bindgen: $versions" >&2
        return 1
    fi
    printf '%s' "$versions"
}

cloudflare_env_prepare() {
    wasm_toolchain_prepare || return 1
    local want have bin
    want=$(_cf_bindgen_version) || return 1
    bin="$(_wasm_cargo_bin_dir)/wasm-bindgen"
    have=$("$bin" --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$want" ]; then
        echo "cloudflare-env: installing wasm-bindgen-cli $want (cargo install; a few minutes)" >&2
        # Without --locked: the CLI's own lockfile names a webpki-roots release that some
        # registry mirrors lack; cargo resolves the newest compatible one instead.
        cargo install wasm-bindgen-cli --version "$want" --force >&2 || return 1
    fi
    export PATH="$(_wasm_cargo_bin_dir):$PATH"
    export EDGEZERO_CLOUDFLARE_TARGET_DIR="${EDGEZERO_CLOUDFLARE_TARGET_DIR:-$_cf_repo/target/wasm-cloudflare}"
    export EDGEZERO_MINIFLARE_DIR="${EDGEZERO_MINIFLARE_DIR:-$_cf_repo/target/npm/miniflare}"
}

cloudflare_env_prepare
