#!/usr/bin/env bash
# The C ABI's tests: the header is current; the test program, compiled as C11 and as
# C++17, passes linked against the static and the shared library, under AddressSanitizer
# + UndefinedBehaviorSanitizer, and under Valgrind; the example builds through pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/gen-header.sh --check
bash scripts/build-c.sh
export PKG_CONFIG_PATH="$PWD/target/c/lib/pkgconfig"
out=target/c-tests
mkdir -p "$out"
src=bindings/c/tests/abi_test.c
warn="-Wall -Wextra -Werror"
cflags=$(pkg-config --cflags ferricache)
# Static: the archive itself, then its system libraries (Libs.private).
static="target/c/lib/libferricache.a $(pkg-config --static --libs-only-l ferricache | sed 's/-lferricache//')"
shared="$(pkg-config --libs ferricache) -Wl,-rpath,$PWD/target/c/lib"

build() { # name compiler std extra-flags libs
    local name=$1 cc=$2 std=$3 extra=$4 libs=$5 lang=c
    [ "$cc" = g++ ] && lang=c++
    # shellcheck disable=SC2086
    $cc -std="$std" $warn $extra $cflags -x "$lang" "$src" -x none $libs -o "$out/$name"
}

run() { # name [runner...]
    local name=$1
    shift
    printf '%-28s ' "$name"
    "$@" "$out/$name" | tail -1
}

build c11-static gcc c11 "-O1 -g" "$static"
build c11-shared gcc c11 "-O1 -g" "$shared"
build cxx17-static g++ c++17 "-O1 -g" "$static"
build cxx17-shared g++ c++17 "-O1 -g" "$shared"
san="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
build c11-asan-ubsan gcc c11 "$san" "$static"
build cxx17-asan-ubsan g++ c++17 "$san" "$static"

# The shared build must load libferricache.so, not carry a copy.
ldd "$out/c11-shared" | grep -q 'libferricache.so' || { echo "c11-shared is not linked to libferricache.so"; exit 1; }

for t in c11-static c11-shared cxx17-static cxx17-shared; do run "$t"; done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
run c11-asan-ubsan
run cxx17-asan-ubsan
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
# shellcheck disable=SC2086
run c11-shared $vg
# shellcheck disable=SC2086
run cxx17-static $vg

make --no-print-directory -s -C examples/c clean all run
# The README's C example compiles and runs.
awk '/^```c$/ {on = 1; next} /^```$/ {on = 0} on' README.md > "$out/readme_example.c"
# shellcheck disable=SC2086
gcc -std=c11 $warn $cflags "$out/readme_example.c" $shared -o "$out/readme_example"
"$out/readme_example"
echo "C ABI: all test programs passed"
