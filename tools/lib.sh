# shellcheck shell=bash
# Helpers shared by tools/run and tools/test. Source this file; it does nothing on its own.
#
#   repo_root               prints the repository root (the folder holding Firmware.sln)
#   ensure_dotnet           exits 1, saying how to get it, when the dotnet CLI is missing
#   ensure_packages pkg...  installs the Debian packages that are missing (apt-get, via sudo
#                           when not root); runs apt-get update once, only when something is
#                           missing; prints one line per package installed

repo_root() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

ensure_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "dotnet is not installed: this repository needs the .NET 10 SDK (version in global.json); install it, then run this again." >&2
        exit 1
    fi
}

_lib_apt_updated=0

_lib_package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

_lib_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "'$*' needs root, and sudo is not installed: run it as root" >&2
        return 1
    fi
}

ensure_packages() {
    local missing=() package
    for package in "$@"; do
        _lib_package_installed "$package" || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing packages (${missing[*]}) and no apt-get here: install them by hand" >&2
        return 1
    fi
    if [ "$_lib_apt_updated" -eq 0 ]; then
        if ! _lib_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; then
            echo "apt-get update failed" >&2
            return 1
        fi
        _lib_apt_updated=1
    fi
    if ! _lib_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
        echo "apt-get install -y ${missing[*]} failed" >&2
        return 1
    fi
    for package in "${missing[@]}"; do
        echo "installed $package"
    done
}
