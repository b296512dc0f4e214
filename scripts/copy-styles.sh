#!/bin/sh
# copy-styles.sh DIR — the NL Design System style sheets the build compiles into the
# binary, from this tree's node_modules into DIR/node_modules, newer than package.json
# so make there does not ask npm for them again (deb.sh, make-schema-fixtures.sh).
set -eu
cd "$(dirname "$0")/.."
for d in design-tokens components-css; do
    mkdir -p "$1/node_modules/@rijkshuisstijl-community/$d"
    cp -r "node_modules/@rijkshuisstijl-community/$d/dist" \
        "$1/node_modules/@rijkshuisstijl-community/$d/"
done
touch "$1/node_modules/@rijkshuisstijl-community/"*/dist/index.css
