#!/usr/bin/env bash
# Smoke test of an installed or bundled ExoDesk: smoke-test.sh PATH/TO/exodesk
# --version, demo, check, then the window opened offscreen for a few seconds (signed in as an
# admin made for the test), with nothing at all on stderr.
set -euo pipefail
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # run from a folder that is not the checkout
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" QT_QPA_PLATFORM=offscreen
db="$work/smoke.sqlite"

"$exe" --version | grep -Eq '^exodesk [0-9]+\.[0-9]+\.[0-9]+'
"$exe" demo --db "$db" > /dev/null
"$exe" check --db "$db" > check.txt
grep -q BLOCK check.txt
EXODESK_NEW_PASSWORD="smoke-test-password-1" "$exe" user add "Smoke Admin" --role admin \
    --db "$db" > /dev/null

start=$(date +%s%N)
EXODESK_USER="Smoke Admin" EXODESK_PASSWORD="smoke-test-password-1" EXODESK_QUIT_AFTER=4 \
    "$exe" --db "$db" > window.txt 2> window-stderr.txt || {
  echo "the window did not open and close cleanly:"; cat window.txt window-stderr.txt; exit 1; }
if [ -s window-stderr.txt ]; then
  echo "the window wrote to stderr:"; cat window-stderr.txt; exit 1
fi
grep -q "window shown" window.txt
echo "smoke test passed: $("$exe" --version); the window opened, stayed up 4 s and closed" \
    "($(( ($(date +%s%N) - start) / 1000000 )) ms in all)"
