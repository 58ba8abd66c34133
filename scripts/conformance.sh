#!/usr/bin/env bash
# Runs each example's conformance.toml against `edgezero serve --adapter <adapter>`
# (crates/edgezero-conformance; the file format is in its src/lib.rs and docs/conformance.md).
# Ends with the line `N passed, M failed` (one count per request); exits non-zero when a
# request failed or something could not start.
#
#   scripts/conformance.sh <adapter> [example ...]    (default: every example with a conformance.toml)
#   e.g. scripts/conformance.sh native
#        scripts/conformance.sh spin kv-api proxy
#
# For cloudflare, scripts/cloudflare-env.sh installs wasm-bindgen and points the CLI at the
# shared Worker build and miniflare install; for fastly, scripts/fastly-env.sh installs
# Viceroy and points the CLI at it and at the shared build.
#
# CONFORMANCE_NO_BUILD=1 serves the Spin components as they are in target/wasm (built by
# scripts/check-spin-components.sh) instead of letting `edgezero serve` build them first.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ $# -lt 1 ]; then
    echo "usage: scripts/conformance.sh <native|spin|cloudflare|fastly> [example ...]" >&2
    exit 2
fi
adapter=$1
shift

if [ "$adapter" = cloudflare ]; then
    # shellcheck source=scripts/cloudflare-env.sh
    source scripts/cloudflare-env.sh
fi
if [ "$adapter" = fastly ]; then
    # shellcheck source=scripts/fastly-env.sh
    source scripts/fastly-env.sh
fi

dirs=()
if [ $# -eq 0 ]; then
    for f in examples/*/conformance.toml; do
        dir=$(dirname "$f")
        # An example runs on the adapters its edgezero.toml has a section for.
        if ! grep -q "^\[adapters\.$adapter[].]" "$dir/edgezero.toml"; then
            echo "note: $dir has no [adapters.$adapter] section; not run on $adapter" >&2
            continue
        fi
        dirs+=("$dir")
    done
else
    for ex in "$@"; do
        if [ ! -f "examples/$ex/conformance.toml" ]; then
            echo "error: examples/$ex/conformance.toml does not exist" >&2
            exit 2
        fi
        dirs+=("examples/$ex")
    done
fi

# Built one at a time, each with its own feature resolution: `cargo build -p edgezero-cli`
# is the build scripts/test.sh already made, so it is reused as it is.
cargo build -q --locked -p edgezero-cli
cargo build -q --locked -p edgezero-conformance

target=${CARGO_TARGET_DIR:-$repo/target}
flags=()
[ "${CONFORMANCE_NO_BUILD:-0}" = 1 ] && flags+=(--no-build)
exec "$target/debug/edgezero-conformance" --adapter "$adapter" --edgezero "$target/debug/edgezero" \
    ${flags[@]+"${flags[@]}"} "${dirs[@]}"
