#!/usr/bin/env bash
# Writes tests/data/redis7-stream-and-function.rdb with the redis-server on the PATH
# (Debian's 7.0): a string `kept`, a stream `events` with a consumer group, a consumer and
# a pending entry, and a function library. The bindings' lenient-load tests read it (the
# C test embeds its bytes); tests/differential.rs makes a fresh one of its own.
set -euo pipefail
cd "$(dirname "$0")"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no >/dev/null &
trap 'kill $! 2>/dev/null; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
cli() { redis-cli -p "$port" "$@" >/dev/null; }
cli set kept yes
cli xadd events 1-1 type login
cli xgroup create events workers 0
cli xreadgroup group workers w1 count 1 streams events '>'
cli function load "$(printf "#!lua name=lib\nredis.register_function('f', function() return 1 end)")"
cli save
cp "$dir/dump.rdb" redis7-stream-and-function.rdb
