#!/usr/bin/env bash
# The toolchain that builds wasm32-wasip2 (Spin) components.
#
#   scripts/wasm-toolchain.sh          install whatever is missing, then print the mode
#   source scripts/wasm-toolchain.sh   define the functions below; nothing is exported
#
# Functions (after sourcing):
#   wasm_toolchain_prepare   installs what is missing (idempotent); sets WASM_TOOLCHAIN_MODE
#                            to `rustup` or `debian` in the calling shell (not exported)
#   wasm_cargo ARGS...       runs cargo for the wasm target in a subshell, with the build
#                            environment set for that command only
#
# Two ways to get a compiler for wasm32-wasip2:
#   rustup  `rustup target add wasm32-wasip2` was run: rustup's cargo is used as is.
#   debian  no rustup target (e.g. offline CI on Debian 12): Debian's rustc/cargo 1.96
#           (rustc-web, cargo-web) rebuild std from rust-web-src with -Zbuild-std, linking
#           with lld-19's wasm-ld, wasi-libc, and wasm-component-ld from crates.io.
# Either way `wasm-tools` is installed too, to inspect components.
#
# The debian-mode variables (RUSTC, RUSTC_BOOTSTRAP, CARGO_UNSTABLE_BUILD_STD, RUSTFLAGS)
# must never reach a host build, so they are only ever set inside wasm_cargo's subshell.

WASM_TARGET=wasm32-wasip2
WASM_DEBIAN_PACKAGES=(rustc-web cargo-web rust-web-src lld-19 wasi-libc)
WASM_LLVM_BIN=/usr/lib/llvm-19/bin
WASM_WASI_LIBC=/usr/lib/wasm32-wasi

_wasm_log() { printf 'wasm-toolchain: %s\n' "$*" >&2; }

_wasm_cargo_bin_dir() { printf '%s/bin' "${CARGO_HOME:-$HOME/.cargo}"; }

_wasm_have() { command -v "$1" >/dev/null 2>&1 || [ -x "$(_wasm_cargo_bin_dir)/$1" ]; }

_wasm_rustup_has_target() {
    command -v rustup >/dev/null 2>&1 &&
        rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"
}

_wasm_missing_debian_packages() {
    local pkg
    for pkg in "${WASM_DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            printf '%s ' "$pkg"
    done
}

_wasm_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        _wasm_log "need root to run: $*"
        return 1
    fi
}

_wasm_cargo_install() {
    local tool=$1
    if _wasm_have "$tool"; then
        return 0
    fi
    if ! command -v cargo >/dev/null 2>&1 && [ ! -x /usr/bin/cargo ]; then
        _wasm_log "cannot install $tool: no cargo on PATH"
        return 1
    fi
    _wasm_log "installing $tool (cargo install $tool --locked; a few minutes)"
    local cargo_cmd=cargo
    command -v cargo >/dev/null 2>&1 || cargo_cmd=/usr/bin/cargo
    # A plain host build: none of the wasm variables are set here.
    "$cargo_cmd" install "$tool" --locked
}

_wasm_prepare_debian() {
    local missing
    missing=$(_wasm_missing_debian_packages)
    if [ -n "$missing" ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            _wasm_log "the $WASM_TARGET target is not installed and this is not a Debian system."
            _wasm_log "fix: rustup target add $WASM_TARGET"
            return 1
        fi
        _wasm_log "installing Debian packages: $missing"
        _wasm_as_root apt-get update -qq || return 1
        # shellcheck disable=SC2086 # word splitting of the package list is intended
        _wasm_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing || {
            _wasm_log "could not install $missing (they come from Debian 12 bookworm-security)."
            _wasm_log "fix: rustup target add $WASM_TARGET, or enable bookworm-security in apt sources"
            return 1
        }
    fi
    local sysroot
    sysroot=$(/usr/bin/rustc --print sysroot) || return 1
    if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
        _wasm_log "std source missing under $sysroot/lib/rustlib/src/rust (package rust-web-src)"
        return 1
    fi
    if [ ! -x "$WASM_LLVM_BIN/wasm-ld" ] || [ ! -f "$WASM_WASI_LIBC/libc.a" ]; then
        _wasm_log "wasm-ld ($WASM_LLVM_BIN) or wasi-libc ($WASM_WASI_LIBC) missing"
        return 1
    fi
    _wasm_cargo_install wasm-component-ld
}

wasm_toolchain_prepare() {
    if _wasm_rustup_has_target; then
        WASM_TOOLCHAIN_MODE=rustup
    else
        WASM_TOOLCHAIN_MODE=debian
        _wasm_prepare_debian || return 1
    fi
    _wasm_cargo_install wasm-tools || return 1
    return 0
}

wasm_cargo() {
    if [ -z "${WASM_TOOLCHAIN_MODE:-}" ]; then
        wasm_toolchain_prepare || return 1
    fi
    (
        export PATH="$(_wasm_cargo_bin_dir):$PATH"
        if [ "$WASM_TOOLCHAIN_MODE" = rustup ]; then
            exec cargo "$@"
        fi
        export PATH="$WASM_LLVM_BIN:$PATH"
        export RUSTC=/usr/bin/rustc
        export RUSTC_BOOTSTRAP=1
        export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
        export RUSTFLAGS="-L native=$WASM_WASI_LIBC"
        unset RUSTUP_TOOLCHAIN
        exec /usr/bin/cargo "$@"
    )
}

# Run directly: prepare and report.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    wasm_toolchain_prepare
    case $WASM_TOOLCHAIN_MODE in
        rustup) echo "wasm toolchain: rustup ($WASM_TARGET target installed)" ;;
        debian) echo "wasm toolchain: debian ($(/usr/bin/rustc --version), -Zbuild-std)" ;;
    esac
fi
