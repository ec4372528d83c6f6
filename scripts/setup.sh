#!/usr/bin/env bash
# Installs what the tests need and the machine may lack, only when it is missing: a C and
# C++ compiler, make, pkg-config and Valgrind (C ABI), openssl (the TLS test's certificates),
# python3-venv (Python binding), from
# Debian's packages, as root or through sudo (scripts/lib/apt.sh). Rust tools (cbindgen,
# cargo-fuzz), redis-server and pip / npm packages are installed by the scripts that use
# them. Node 20 and npm must be on the machine (Debian's own nodejs is older).
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

# The Rust toolchain ships rustfmt and clippy; fail early and clearly if not.
cargo fmt --version > /dev/null
cargo clippy --version > /dev/null

packages=()
for tool in gcc g++ make pkg-config valgrind openssl; do
    command -v "$tool" > /dev/null || packages+=("$tool")
done
if ! python3 -c 'import ensurepip, venv' 2> /dev/null; then
    packages+=(python3-venv)
fi
if [ ${#packages[@]} -gt 0 ]; then
    apt_install "${packages[@]}"
fi

node --version > /dev/null || { echo "Node 20 and npm are needed for the Node binding's tests" >&2; exit 1; }
npm --version > /dev/null
