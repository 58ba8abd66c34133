#!/usr/bin/env bash
# Builds every example's Spin component for wasm32-wasip2 and checks what Spin will load:
#   - the file is a WebAssembly component (00 61 73 6d 0d 00 01 00), not a core module;
#   - it exports wasi:http/handler@0.3.0-rc-2026-03-15 (what spin-sdk 6 targets);
#   - the key-value examples built with edgezero-adapter-spin's default `wasi-keyvalue`
#     feature import wasi:keyvalue/store@0.2.0-draft2 and do all their key-value work
#     through wasi:keyvalue, without spin:key-value; the counter (atomic increments) imports
#     wasi:keyvalue/atomics@0.2.0-draft2 (the linker drops it from a component that never
#     counts, as the proxy); kv-api, built with
#     `default-features = false` (the opt-out for Spin runtimes without wasi:keyvalue
#     atomics), imports spin:key-value/key-value@3.0.0 and no wasi:keyvalue;
#   - the proxy (outbound HTTP) imports wasi:http/client@0.3.0-rc-2026-03-15, and the others
#     do not (the `outbound-http` feature is opt-in).
# Prints each size. Exits non-zero, naming the example and the check, on any failure.
#
#   scripts/check-spin-components.sh [example ...]     (default: all)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/wasm-toolchain.sh
source "$repo/scripts/wasm-toolchain.sh"

HANDLER_EXPORT="export wasi:http/handler@0.3.0-rc-2026-03-15;"
KV_IMPORT="import spin:key-value/key-value@3.0.0;"
ATOMICS_IMPORT="import wasi:keyvalue/atomics@0.2.0-draft2;"
STORE_IMPORT="import wasi:keyvalue/store@0.2.0-draft2;"
HTTP_CLIENT_IMPORT="import wasi:http/client@0.3.0-rc-2026-03-15;"
# example → does it call origins (edgezero-adapter-spin's `outbound-http`)? Unlisted: no.
declare -A USES_HTTP_CLIENT=([proxy]=yes)
# example → built with the `wasi-keyvalue` feature (the default)? kv-api opts out.
declare -A WASI_KEYVALUE=([counter]=yes [url-shortener]=yes [kv-api]=no [kv-explorer]=yes [proxy]=yes [site]=yes)
# example → does it count (must import wasi:keyvalue/atomics)? Unlisted: not checked.
declare -A USES_ATOMICS=([counter]=yes [site]=yes)
COMPONENT_MAGIC="0061736d0d000100"

# example → does it use key-value stores?
declare -A USES_KV=([counter]=yes [url-shortener]=yes [kv-api]=yes [kv-explorer]=yes [proxy]=yes [site]=yes)
ALL=(counter url-shortener kv-api kv-explorer proxy site)

examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=("${ALL[@]}")

wasm_toolchain_prepare
wasm_tools=wasm-tools
command -v wasm-tools >/dev/null 2>&1 || wasm_tools="$(_wasm_cargo_bin_dir)/wasm-tools"

failures=()
fail() {
    echo "FAIL $1: $2" >&2
    failures+=("$1: $2")
}

summary=()
for ex in "${examples[@]}"; do
    if [ -z "${USES_KV[$ex]:-}" ]; then
        fail "$ex" "unknown example (known: ${ALL[*]})"
        continue
    fi
    crate="$repo/examples/$ex/crates/$ex-adapter-spin"
    echo "== $ex" >&2
    if ! artifact=$("$repo/scripts/wasm-build.sh" "$crate" | tail -n 1); then
        fail "$ex" "build failed (see the cargo output above)"
        continue
    fi
    magic=$(head -c 8 "$artifact" | od -An -tx1 | tr -d ' \n')
    if [ "$magic" != "$COMPONENT_MAGIC" ]; then
        fail "$ex" "$artifact is not a component: header $magic, expected $COMPONENT_MAGIC (a core module starts 0061736d01000000)"
        continue
    fi
    if ! wit=$("$wasm_tools" component wit "$artifact"); then
        fail "$ex" "wasm-tools cannot read the component's WIT"
        continue
    fi
    world=$(printf '%s\n' "$wit" | sed -n '/^world root {/,/^}/p')
    grep -qF "$HANDLER_EXPORT" <<<"$world" ||
        fail "$ex" "does not export wasi:http/handler@0.3.0-rc-2026-03-15; world is: $(tr -s ' \n' ' ' <<<"$world")"
    if [ "${WASI_KEYVALUE[$ex]}" = yes ]; then
        grep -qF "$STORE_IMPORT" <<<"$world" ||
            fail "$ex" "does not import wasi:keyvalue/store@0.2.0-draft2 (is the default wasi-keyvalue feature off?)"
        if [ "${USES_ATOMICS[$ex]:-no}" = yes ]; then
            grep -qF "$ATOMICS_IMPORT" <<<"$world" ||
                fail "$ex" "does not import wasi:keyvalue/atomics@0.2.0-draft2"
        fi
        if grep -qF "$KV_IMPORT" <<<"$world"; then
            fail "$ex" "imports spin:key-value/key-value@3.0.0 although wasi:keyvalue does all its key-value work"
        fi
    else
        if grep -qF "import wasi:keyvalue/" <<<"$world"; then
            fail "$ex" "imports wasi:keyvalue although built with default-features = false"
        fi
        if [ "${USES_KV[$ex]}" = yes ]; then
            grep -qF "$KV_IMPORT" <<<"$world" ||
                fail "$ex" "does not import spin:key-value/key-value@3.0.0"
        fi
    fi
    if [ "${USES_HTTP_CLIENT[$ex]:-no}" = yes ]; then
        grep -qF "$HTTP_CLIENT_IMPORT" <<<"$world" ||
            fail "$ex" "does not import wasi:http/client@0.3.0-rc-2026-03-15 (enable the outbound-http feature)"
    elif grep -qF "import wasi:http/client" <<<"$world"; then
        fail "$ex" "imports wasi:http/client without calling origins (the outbound-http feature is on)"
    fi
    size=$(wc -c <"$artifact")
    summary+=("$(printf '%-14s %8d bytes (%d KiB)  %s' "$ex" "$size" $((size / 1024)) "${artifact#"$repo"/}")")
done

echo
echo "Spin components:"
for line in "${summary[@]}"; do echo "  $line"; done
if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "${#failures[@]} check(s) failed:" >&2
    for f in "${failures[@]}"; do echo "  $f" >&2; done
    exit 1
fi
echo "all components OK"
