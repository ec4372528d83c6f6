# shellcheck shell=bash
# apt_install PACKAGE...: installs Debian packages, as root directly or through sudo; without
# either, stops with a message naming what to install.
apt_install() {
    local run=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo > /dev/null; then
            run=(sudo)
        else
            echo "missing: $*. Install them (apt-get install $*) as root, then run this again." >&2
            return 1
        fi
    fi
    echo "installing with apt-get: $*" >&2
    "${run[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq "$@" > /dev/null
}
