#!/usr/bin/env bash
# Fuzzes fc_command's argv with cargo-fuzz (libFuzzer) for FUZZ_SECONDS (default 20).
# The target is bindings/c/fuzz/fuzz_targets/fc_command.rs; a crash leaves its input in
# bindings/c/fuzz/artifacts/ and fails the run.
#
# cargo-fuzz drives rustc with flags that only a nightly compiler accepts. No nightly
# toolchain is needed: RUSTC_BOOTSTRAP=1 lets this stable compiler take them, and the
# target runs without a sanitizer (-s none; memory errors are what the C tests' ASan and
# Valgrind runs are for, and the fuzzed code is safe Rust behind the boundary).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_FUZZ_VERSION=0.13.2
tools="$PWD/target/tools"
if [ "$("$tools/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$tools"
fi
export PATH="$tools/bin:$PATH" RUSTC_BOOTSTRAP=1
cd bindings/c
log=../../target/fuzz/fc_command.log
mkdir -p ../../target/fuzz
if ! cargo fuzz run fc_command -s none --target-dir ../../target/fuzz -- \
    -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 > "$log" 2>&1; then
    tail -60 "$log"
    echo "fuzzing fc_command found a failure (input saved under bindings/c/fuzz/artifacts/)"
    exit 1
fi
grep -E '^(Done|stat::number_of_executed_units)' "$log" || tail -3 "$log"
