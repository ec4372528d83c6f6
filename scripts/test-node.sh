#!/usr/bin/env bash
# The Node binding's tests: installs the locked npm packages, builds the addon with
# napi-rs (release), checks the TypeScript definitions with tsc, runs node --test.
#   --setup-only   install and build, run nothing
set -euo pipefail
cd "$(dirname "$0")/../bindings/node"
npm ci --no-audit --no-fund
npm run --silent build > /dev/null
[ "${1:-}" = "--setup-only" ] && exit 0
npm test
