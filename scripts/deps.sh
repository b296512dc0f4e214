#!/bin/sh
# deps.sh — install what algoreg needs on Debian 12 (libraries to build; Chromium, Python
# and Go's x/mod for the tests), non-interactively, only when
# something is missing: `apt-get update` once, then `apt-get install -y`. Then the
# pinned npm packages (package-lock.json) when node_modules is absent or stale.
# Usage: scripts/deps.sh [--test] [extra-debian-package ...]
set -eu
cd "$(dirname "$0")/.."

# To build and run: compiler and libraries. With --test also what the tests drive:
# clang-format, Python, Chromium, Go with x/mod (the independent log verifier), man-db,
# clang with its libFuzzer runtime (the fuzz targets), PostgreSQL 15 (a throw-away
# cluster per test run, scripts/pg-tmp.sh).
PKGS="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
libgumbo-dev libcurl4-openssl-dev libyaml-dev libsystemd-dev libxlsxwriter-dev libcjose-dev
libpq-dev"
if [ "${1:-}" = "--test" ]; then
    shift
    PKGS="$PKGS libcmocka-dev clang-format python3 curl chromium man-db golang-go
golang-golang-x-mod-dev clang libclang-rt-14-dev debhelper lintian debootstrap strace python3-openpyxl
postgresql-15"
fi
PKGS="$PKGS $*"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q </dev/null
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing </dev/null
fi

# npm: NL Design System CSS for the site, playwright-core and axe-core for tests.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    # a stalled download is retried rather than waited on for npm's default 5 minutes
    npm ci --no-audit --no-fund --loglevel=error --fetch-timeout=30000 --fetch-retries=5 \
        --fetch-retry-mintimeout=2000 </dev/null
    touch node_modules/.package-lock.json
fi
