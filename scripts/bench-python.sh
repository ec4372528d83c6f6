#!/usr/bin/env bash
# The Python benchmark (bindings/python/bench.py): ferricache beside dict,
# cachetools.TTLCache, functools.lru_cache and redis-py against a local redis-server
# (Debian's package, installed here if missing), in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-python.sh --setup-only
if ! command -v redis-server > /dev/null; then
    apt-get update -qq && apt-get install -y -qq redis-server > /dev/null
fi
port=6391
redis-server --port $port --save '' --appendonly no --daemonize yes > /dev/null
trap 'redis-cli -p $port shutdown nosave > /dev/null 2>&1 || true' EXIT
until redis-cli -p $port ping > /dev/null 2>&1; do sleep 0.1; done
REDIS_PORT=$port target/py-venv/bin/python bindings/python/bench.py
