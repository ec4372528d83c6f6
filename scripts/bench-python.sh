#!/usr/bin/env bash
# The Python benchmark (bindings/python/bench.py): ferricache beside dict,
# cachetools.TTLCache, functools.lru_cache and redis-py against a local redis-server, in
# one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-python.sh --setup-only
bash scripts/with-redis.sh target/py-venv/bin/python bindings/python/bench.py
