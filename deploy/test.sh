#!/usr/bin/env bash
# The test command: installs what is missing, configures the `dev` preset (Debug, ASan+UBSan,
# libFuzzer targets, warnings as errors), builds everything and runs the whole ctest suite.
# Then builds everything again with gcc 12 (preset gcc) as a compile check.
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
# The same sources must also build warning-free with Debian's default compiler (gcc 12).
# TABELLA_SKIP_GCC=1 skips this second build when iterating locally.
if [ "${TABELLA_SKIP_GCC:-0}" != 1 ]; then
  echo "== build with gcc 12, warnings as errors (preset gcc)"
  cmake --preset gcc
  cmake --build --preset gcc -j "${jobs}"
fi
echo "== all tests passed in $(( $(date +%s) - start ))s"
