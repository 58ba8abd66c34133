#!/usr/bin/env bash
# Builds and tests a fresh `edgezero new` scaffold the way a new user gets it: without this
# repository's Cargo.lock, so Cargo resolves the newest compatible versions of every
# dependency, and with warnings as errors, so an upstream deprecation that reaches users'
# builds (a call into a newer rustls, hyper, ...) fails here first.
#
#   scripts/check-scaffold-latest.sh [path/to/edgezero]   (default: target/debug/edgezero)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=${1:-$repo/target/debug/edgezero}
[ -x "$cli" ] || { echo "no edgezero binary at $cli: run \`cargo build -p edgezero-cli\` first" >&2; exit 1; }
# The scaffold is made in another directory: name the binary absolutely.
cli="$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$cli" new demo >/dev/null)
[ ! -e "$work/demo/Cargo.lock" ] || { echo "the scaffold ships a Cargo.lock" >&2; exit 1; }

# Its own target dir: the newest versions and -D warnings build apart from the locked ones.
export CARGO_TARGET_DIR="$repo/target/scaffold-latest"
export RUSTFLAGS="-D warnings"
cd "$work/demo"
cargo generate-lockfile --quiet
echo "newest versions resolved:"
grep -A1 -E '^name = "(rustls|hyper|hyper-util|hyper-rustls|tokio|rusqlite|http)"$' Cargo.lock \
    | grep -v '^--$' | paste - - | sed 's/name = //; s/version = //' | sed 's/^/  /'
cargo test --quiet
echo "scaffold with the newest dependencies: built and tested without warnings"
