#!/usr/bin/env bash
# The Node benchmark (bindings/node/bench/bench.js): ferricache beside lru-cache,
# node-cache and node-redis against a local redis-server, in one run, and V8 heap for 1M
# entries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-node.sh --setup-only
bash scripts/with-redis.sh node bindings/node/bench/bench.js
