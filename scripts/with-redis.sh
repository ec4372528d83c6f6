#!/usr/bin/env bash
# Runs a command beside a throwaway redis-server on loopback (Debian's package, installed
# here if missing), with REDIS_PORT set, for the benchmarks that compare against Redis.
#   scripts/with-redis.sh PORT COMMAND [ARGS...]
set -euo pipefail
port=$1
shift
if ! command -v redis-server > /dev/null; then
    apt-get update -qq && apt-get install -y -qq redis-server > /dev/null
fi
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes > /dev/null
trap 'redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true' EXIT
until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.1; done
REDIS_PORT=$port "$@"
