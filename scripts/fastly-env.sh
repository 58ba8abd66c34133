#!/usr/bin/env bash
# What building and running Fastly Compute apps needs, installed only when missing, inside
# the repository's own folders.
#
#   source scripts/fastly-env.sh    installs, then exports:
#     EDGEZERO_FASTLY_TARGET_DIR  <repo>/target/wasm-fastly: every example's app shares one
#                                 build of std and the fastly crate
#     EDGEZERO_VICEROY            <repo>/.tools/viceroy/bin/viceroy: Fastly's local runtime
#
# Installs:
#   - the wasm toolchain (scripts/wasm-toolchain.sh: rustup's target, else Debian's compiler
#     with -Zbuild-std, lld-19's wasm-ld and wasi-libc)
#   - Viceroy at the version the CLI names (crates/edgezero-fastly-names, VICEROY_VERSION),
#     with `cargo install --locked` from crates.io, built once in its own target directory
#     (about 15 minutes on two cores) and kept in <repo>/.tools

_fastly_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/wasm-toolchain.sh
source "$_fastly_repo/scripts/wasm-toolchain.sh"

_fastly_viceroy_version() {
    sed -n 's/^pub const VICEROY_VERSION: &str = "\(.*\)";$/\1/p' \
        "$_fastly_repo/crates/edgezero-fastly-names/src/lib.rs"
}

fastly_env_prepare() {
    wasm_toolchain_prepare || return 1
    local want have root bin
    want=$(_fastly_viceroy_version)
    if [ -z "$want" ]; then
        echo "fastly-env: no VICEROY_VERSION in crates/edgezero-fastly-names/src/lib.rs" >&2
        return 1
    fi
    root="$_fastly_repo/.tools/viceroy"
    bin="$root/bin/viceroy"
    have=$("$bin" --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$want" ]; then
        echo "fastly-env: installing Viceroy $want (cargo install; about 15 minutes once)" >&2
        # Its own target directory, removed afterwards: nothing of it is needed again.
        cargo install viceroy --locked --version "$want" --root "$root" \
            --target-dir "$_fastly_repo/.tools/viceroy-build" --force >&2 || return 1
        rm -rf "$_fastly_repo/.tools/viceroy-build"
    fi
    export EDGEZERO_VICEROY="$bin"
    export EDGEZERO_FASTLY_TARGET_DIR="${EDGEZERO_FASTLY_TARGET_DIR:-$_fastly_repo/target/wasm-fastly}"
}

fastly_env_prepare
