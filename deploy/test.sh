#!/usr/bin/env bash
# The test command: installs what is missing, configures the `dev` preset (Debug, ASan+UBSan,
# libFuzzer targets, warnings as errors), builds everything and runs the whole ctest suite.
# Exits non-zero on any failure. Usage: deploy/test.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh

jobs=$(nproc)
start=$(date +%s)
echo "== configure (preset dev)"
cmake --preset dev
echo "== build (${jobs} jobs)"
cmake --build --preset dev -j "${jobs}"
echo "== test"
export QT_QPA_PLATFORM=offscreen
ctest --preset dev -j "${jobs}" "$@"
echo "== all tests passed in $(( $(date +%s) - start ))s"
