#!/usr/bin/env bash
# Generates include/ferricache.h from bindings/c with the pinned cbindgen.
#   scripts/gen-header.sh          rewrite the header
#   scripts/gen-header.sh --check  fail if the committed header is out of date
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.4
tools=target/tools
if [ "$("$tools/bin/cbindgen" --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
    cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION" --root "$tools"
fi
out=include/ferricache.h
[ "${1:-}" = "--check" ] && out=target/ferricache.h.check
"$tools/bin/cbindgen" --quiet --config bindings/c/cbindgen.toml --crate ferricache-c \
    --output "$out" bindings/c
if [ "${1:-}" = "--check" ]; then
    if ! diff -u include/ferricache.h "$out"; then
        echo "include/ferricache.h is out of date: run scripts/gen-header.sh" >&2
        exit 1
    fi
    echo "include/ferricache.h is up to date"
fi
