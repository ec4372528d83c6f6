#!/usr/bin/env bash
# The Node benchmark (bindings/node/bench/bench.js): ferricache beside lru-cache,
# node-cache and node-redis against a local redis-server (Debian's package, installed here
# if missing), in one run, and V8 heap for 1M entries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-node.sh --setup-only
if ! command -v redis-server > /dev/null; then
    apt-get update -qq && apt-get install -y -qq redis-server > /dev/null
fi
port=6392
redis-server --port $port --save '' --appendonly no --daemonize yes > /dev/null
trap 'redis-cli -p $port shutdown nosave > /dev/null 2>&1 || true' EXIT
until redis-cli -p $port ping > /dev/null 2>&1; do sleep 0.1; done
REDIS_PORT=$port node bindings/node/bench/bench.js
