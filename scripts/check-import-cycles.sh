#!/usr/bin/env bash
# Fails when the files of a crate import each other in a circle (see check-import-cycles.py).
#
#   scripts/check-import-cycles.sh [--graph] [crate-src-dir ...]   (default: edgezero-core)
set -euo pipefail
cd "$(dirname "$0")/.."
flags=()
dirs=()
for a in "$@"; do
  case "$a" in
    --*) flags+=("$a") ;;
    *) dirs+=("$a") ;;
  esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=(crates/edgezero-core/src)
status=0
for d in "${dirs[@]}"; do
  python3 scripts/check-import-cycles.py "$d" "${flags[@]}" || status=1
done
exit $status
