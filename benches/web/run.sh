#!/usr/bin/env bash
# The multi-process web benchmark: the same cache-aside app, on ferricache's near cache and
# on the plain Redis client, in Python (gunicorn, 2 worker processes) and Node (cluster, 2
# workers), each loaded by wrk on loopback (2 threads, 32 connections, 10 s, Zipf(0.99) over
# 100,000 items; benches/web/zipf.lua) against one local redis-server. Prints requests per
# second and p99 latency for each, side by side.
#   bash benches/web/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/apt.sh
command -v wrk > /dev/null || apt_install wrk
bash scripts/test-python.sh --setup-only
target/py-venv/bin/pip install --quiet -r benches/web/requirements.txt
bash scripts/test-node.sh --setup-only
source scripts/lib/redis.sh
redis_start
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
DURATION=${DURATION:-10s}

serve() { # python|node backend -> sets APP_PID and PORT
    PORT=$(free_port)
    export PORT
    if [ "$1" = python ]; then
        BACKEND=$2 target/py-venv/bin/gunicorn --chdir benches/web -w 2 -b "127.0.0.1:$PORT" \
            --log-level warning app:app &
    else
        BACKEND=$2 node benches/web/app.js &
    fi
    APP_PID=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PORT/item/1" > /dev/null 2>&1 && return
        sleep 0.1
    done
    echo "the $1 app did not start" >&2
    return 1
}

echo "| app | cache | requests/s | p99 latency |"
echo "|---|---|---:|---:|"
for lang in python node; do
    for backend in redis ferricache; do
        redis-cli -p "$REDIS_PORT" flushall > /dev/null
        serve "$lang" "$backend"
        out=$(wrk -t2 -c32 -d"$DURATION" --latency -s benches/web/zipf.lua "http://127.0.0.1:$PORT")
        kill "$APP_PID"
        wait "$APP_PID" 2> /dev/null || true
        rps=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
        p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
        errors=$(awk '/Non-2xx|Socket errors/' <<< "$out")
        if [ -z "$rps" ] || [ -n "$errors" ]; then
            echo "wrk against the $lang app on $backend failed:" >&2
            echo "$out" >&2
            exit 1
        fi
        label=$([ "$backend" = redis ] && { [ "$lang" = python ] && echo "redis-py" || echo "node-redis v4"; } || echo "ferricache near cache")
        echo "| $lang ($([ "$lang" = python ] && echo gunicorn || echo cluster), 2 workers) | $label | $rps | $p99 |"
    done
done
