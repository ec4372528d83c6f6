#!/usr/bin/env bash
# Miss ratios of ferricache beside libCacheSim's policies on the same Zipf streams.
# Needs PyPI (libcachesim) the first time; the venv is kept in target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/hitratio-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q libcachesim==0.3.5
cargo build --release -q -p ferricache-peers --bin replay
"$venv/bin/python" benches/hitratio/hitratio.py target/release/replay
