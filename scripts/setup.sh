#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for building and testing dver.
#
# Installs the C libraries and tools the package links against, but only the
# ones that are missing: on a prepared machine this does no network work and
# finishes in well under a second. Runs apt as root, or through sudo.
#
# Usage: scripts/setup.sh [EXTRA_PACKAGE...]
#   Extra package names are installed too (test.sh and bench.sh use this for
#   optional tools such as `time`).
set -euo pipefail

readonly BASE_PACKAGES=(
    libssl-dev libzstd-dev zlib1g-dev pkg-config git
    libcurl4-openssl-dev
    libgit2-dev
    libfuse3-dev
)
readonly APT_STAMP=/var/tmp/dver-apt-update.stamp
readonly APT_STAMP_MAX_AGE_MINUTES=60

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' (not root and sudo is not installed)"
    fi
}

# Prints the packages among "$@" that dpkg does not report as installed.
missing_packages() {
    local package status
    for package in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
        [[ $status == installed ]] || printf '%s\n' "$package"
    done
}

# Runs `apt-get update` unless it succeeded within the last hour.
apt_update_once() {
    if [[ -f $APT_STAMP ]] && [[ -z $(find "$APT_STAMP" -mmin +"$APT_STAMP_MAX_AGE_MINUTES") ]]; then
        return
    fi
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root touch "$APT_STAMP"
}

install_packages() {
    local -a missing
    mapfile -t missing < <(missing_packages "$@")
    if (( ${#missing[@]} == 0 )); then
        return
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    apt_update_once
    log "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        die "swift not found on PATH. Install a Swift 6 toolchain (expected at /opt/swift, with /opt/swift/usr/bin on PATH) and run again."
    fi
}

main() {
    check_swift
    install_packages "${BASE_PACKAGES[@]}" "$@"
}

main "$@"
