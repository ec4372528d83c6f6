#!/usr/bin/env bash
# The Node near-cache benchmark (bindings/node/bench/near.js): ferricache's near cache (the
# synchronous Cache and createClient) beside node-redis v4 with no cache and node-redis v5
# with no cache and with its clientSideCache, in one run,
# against a local redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-node.sh --setup-only
bash scripts/with-redis.sh node bindings/node/bench/near.js
