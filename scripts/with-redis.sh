#!/usr/bin/env bash
# Runs a command beside a throwaway redis-server (scripts/lib/redis.sh: Debian's package,
# a free loopback port, a temporary --dir, --save ''), with REDIS_PORT set.
#   scripts/with-redis.sh COMMAND [ARGS...]
set -euo pipefail
source "$(dirname "$0")/lib/redis.sh"
redis_start
"$@"
