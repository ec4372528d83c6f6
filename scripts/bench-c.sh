#!/usr/bin/env bash
# The C ABI's overhead: typed GET and SET called from C (bindings/c/bench/abi_bench.c,
# linked against the static library, -O2) beside the same work through the Rust API
# (bindings/c/examples/native_bench.rs). Each program reports the median of 15 rounds of
# 200,000 calls; the two run alternately 9 times and the table gives the median of each
# side's 9 results. Target: under 20 ns added per call.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-c.sh > /dev/null
export PKG_CONFIG_PATH="$PWD/target/c/lib/pkgconfig"
mkdir -p target/c-bench
gcc -std=c11 -O2 $(pkg-config --cflags ferricache) bindings/c/bench/abi_bench.c \
    $(pkg-config --libs ferricache) -o target/c-bench/abi_bench
cargo build --quiet --release -p ferricache-c --example native_bench
c_out="" rust_out=""
for _ in 1 2 3 4 5 6 7 8 9; do
    c_out+=$(target/c-bench/abi_bench)$'\n'
    rust_out+=$(target/release/examples/native_bench)$'\n'
done
med() { awk -v op="$1" '$1 == op {print $2}' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
printf '| call | from Rust (ns) | from C (ns) | added by the ABI (ns) |\n|---|---:|---:|---:|\n'
for op in get set; do
    r=$(med $op <<< "$rust_out")
    c=$(med $op <<< "$c_out")
    awk -v op=$op -v r="$r" -v c="$c" 'BEGIN { printf "| %s | %.1f | %.1f | %+.1f |\n", op, r, c, c - r }'
done
