#!/usr/bin/env bash
# Builds one Spin component crate for wasm32-wasip2 (release) and prints the artifact path.
#
#   scripts/wasm-build.sh <crate-dir> [extra cargo args]
#   e.g. scripts/wasm-build.sh examples/counter/crates/counter-adapter-spin
#
# Every component shares <repo>/target/wasm, so std (rebuilt in debian mode) and common
# dependencies compile once. See scripts/wasm-toolchain.sh for how the toolchain is chosen.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/wasm-toolchain.sh
source "$repo/scripts/wasm-toolchain.sh"

if [ $# -lt 1 ] || [ ! -f "$1/Cargo.toml" ]; then
    echo "usage: scripts/wasm-build.sh <crate-dir with Cargo.toml> [cargo args]" >&2
    exit 2
fi
crate_dir=$(cd "$1" && pwd)
shift

wasm_toolchain_prepare

package=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$crate_dir/Cargo.toml" | head -n 1)
artifact="$repo/target/wasm/$WASM_TARGET/release/${package//-/_}.wasm"

echo "building $package ($WASM_TOOLCHAIN_MODE toolchain)" >&2
(
    cd "$crate_dir"
    export CARGO_TARGET_DIR="$repo/target/wasm"
    wasm_cargo build --target "$WASM_TARGET" --release "$@"
)

if [ ! -f "$artifact" ]; then
    echo "error: the build finished but $artifact is missing" >&2
    exit 1
fi
echo "$artifact"
