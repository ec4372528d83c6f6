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
static=$(pkg-config --libs ferricache)
shared=$(pkg-config --libs ferricache-shared)

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

# The shared build must load libferricache.so, not carry a copy; the static one must not.
# (ldd's output is read whole first: `ldd | grep -q` fails under pipefail when grep exits
# at its first match and ldd dies of SIGPIPE, which is how CI once failed this check.)
shared_deps=$(ldd "$out/c11-shared")
static_deps=$(ldd "$out/c11-static")
case $shared_deps in *libferricache.so*) ;; *) echo "c11-shared is not linked to libferricache.so"; exit 1 ;; esac
case $static_deps in *libferricache.so*) echo "c11-static loads libferricache.so"; exit 1 ;; esac

for t in c11-static c11-shared cxx17-static cxx17-shared; do run "$t"; done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
run c11-asan-ubsan
run cxx17-asan-ubsan
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
# shellcheck disable=SC2086
run c11-shared $vg
# shellcheck disable=SC2086
run cxx17-static $vg

# Near-cache mode through the C ABI, against a throwaway redis-server.
near=bindings/c/tests/near_test.c
# shellcheck disable=SC2086
gcc -std=c11 $warn -O1 -g $cflags "$near" $static -o "$out/near-static"
# shellcheck disable=SC2086
gcc -std=c11 $warn $san $cflags "$near" $static -o "$out/near-asan-ubsan"
printf '%-28s ' near-static
bash scripts/with-redis.sh "$out/near-static" | tail -1
printf '%-28s ' near-asan-ubsan
bash scripts/with-redis.sh "$out/near-asan-ubsan" | tail -1

# The example's Makefile, from a shell with no PKG_CONFIG_PATH, both links. (The README's
# C example is built and run verbatim by scripts/test-readme.sh.)
for link in "" SHARED=1; do
    env -u PKG_CONFIG_PATH make --no-print-directory -s -C examples/c clean run $link
done
make --no-print-directory -s -C examples/c clean
echo "C ABI: all test programs passed"
