#!/usr/bin/env bash
# Builds the C library (release) and lays out an install tree at target/c/:
#   include/ferricache.h
#   lib/libferricache.a                   the static library, alone, so -lferricache is it
#   lib/shared/libferricache.so           the shared library, kept apart
#   lib/pkgconfig/ferricache.pc           static link (the default; its system libraries included)
#   lib/pkgconfig/ferricache-shared.pc    shared link, with an rpath to lib/shared
# Then, with PKG_CONFIG_PATH exported to target/c/lib/pkgconfig:
#   cc app.c $(pkg-config --cflags --libs ferricache)          a program that needs no .so
#   cc app.c $(pkg-config --cflags --libs ferricache-shared)   one that loads lib/shared/libferricache.so
set -euo pipefail
cd "$(dirname "$0")/.."

# The static library's system dependencies, as rustc reports them for this target.
libs=$(cargo rustc --quiet --release -p ferricache-c --lib --crate-type staticlib -- \
        --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -1)
[ -n "$libs" ] || libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
cargo build --quiet --release -p ferricache-c

version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/c/Cargo.toml | head -1)
out=target/c
prefix="$PWD/$out"
rm -rf "$out"
mkdir -p "$out/include" "$out/lib/shared" "$out/lib/pkgconfig"
cp include/ferricache.h "$out/include/"
cp target/release/libferricache_c.a "$out/lib/libferricache.a"
cp target/release/libferricache_c.so "$out/lib/shared/libferricache.so"
pc() { # name description libs
    cat > "$out/lib/pkgconfig/$1.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: $1
Description: $2
Version: $version
Cflags: -I\${includedir}
Libs: $3
PC
}
pc ferricache "An embedded, Redis-compatible in-process cache engine (C ABI), linked statically" \
    "-L\${libdir} -lferricache $libs"
pc ferricache-shared "An embedded, Redis-compatible in-process cache engine (C ABI), as a shared library" \
    "-L\${libdir}/shared -Wl,-rpath,\${libdir}/shared -lferricache"
echo "C library laid out in $out (static link's system libraries: $libs)"
