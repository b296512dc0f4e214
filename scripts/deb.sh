#!/bin/sh
# deb.sh — build algoreg's Debian package with dpkg-buildpackage and check it with
# lintian. The package is built from a copy of the working tree in build/deb/src (so
# the tree's own build/ stays), with only the style sheets of node_modules that are
# compiled into the binary. Prints the path of the .deb on its last line.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh dpkg-dev debhelper lintian >/dev/null
out=build/deb
rm -rf "$out"
mkdir -p "$out/src"
tar --exclude=./build --exclude=./var --exclude=./.git --exclude=./node_modules -cf - . |
    (cd "$out/src" && tar -xpf -)
scripts/copy-styles.sh "$out/src"
(cd "$out/src" && dpkg-buildpackage -b -us -uc --no-sign >../build.log 2>&1) || {
    tail -40 "$out/build.log"
    echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}
deb=$(ls "$out"/algoreg_*.deb)
lintian --fail-on error,warning --display-info "$deb" ||
    {
        echo "deb: lintian found problems in $deb" >&2
        exit 1
    }
echo "$deb"
