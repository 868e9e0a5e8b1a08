#!/usr/bin/env bash
# The wheel into a fresh venv outside the checkout, with the locked runtime dependencies,
# then the same smoke test as the bundle: smoke-test-wheel.sh dist/exodesk-V-py3-none-any.whl
set -euo pipefail
wheel=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
locks=$(cd "$(dirname "$0")/../requirements" && pwd)
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$locks/run.txt" "$wheel"
"$(dirname "$0")/smoke-test.sh" "$venv/bin/exodesk"
du -sh "$wheel" "$venv" | sed 's/^/size: /'
rm -rf "$(dirname "$venv")"
