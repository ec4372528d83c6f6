#!/usr/bin/env bash
# Builds the C library (release) and lays out an install tree at target/c/:
#   include/ferricache.h  lib/libferricache.a  lib/libferricache.so  lib/pkgconfig/ferricache.pc
# Then: PKG_CONFIG_PATH=target/c/lib/pkgconfig pkg-config --cflags --libs [--static] ferricache
set -euo pipefail
cd "$(dirname "$0")/.."

# The static library's system dependencies, as rustc reports them for this target.
libs=$(cargo rustc --quiet --release -p ferricache-c --lib --crate-type staticlib -- \
        --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -1)
[ -n "$libs" ] || libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
cargo build --quiet --release -p ferricache-c

version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/c/Cargo.toml | head -1)
out=target/c
rm -rf "$out"
mkdir -p "$out/include" "$out/lib/pkgconfig"
cp include/ferricache.h "$out/include/"
cp target/release/libferricache_c.a "$out/lib/libferricache.a"
cp target/release/libferricache_c.so "$out/lib/libferricache.so"
cat > "$out/lib/pkgconfig/ferricache.pc" <<PC
prefix=\${pcfiledir}/../..
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: ferricache
Description: An embedded, Redis-compatible in-process cache engine (C ABI)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lferricache
Libs.private: $libs
PC
echo "C library installed in $out (static libs: $libs)"
