#!/usr/bin/env bash
# The test command: installs what is missing, configures the `dev` preset (Debug, ASan+UBSan,
# libFuzzer targets, warnings as errors), builds everything and runs the whole ctest suite.
# The same sources are also built with gcc 12 (preset gcc, warnings as errors) as a compile check:
# that build runs beside the tests at the lowest CPU priority (nice 19), so it uses the cores the
# tests leave idle instead of adding its whole time to the run; its log is build/gcc-build.log.
# Exits non-zero on any failure.
# Usage: deploy/test.sh [extra ctest args]    e.g. -R Etcd, -L cluster, --output-on-failure
#        deploy/test.sh --help                this text; nothing is installed, built or run
# TABELLA_SKIP_GCC=1 skips the gcc build.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  -h|--help) source deploy/lib/tabella.sh; tb_usage deploy/test.sh; exit 0;;
esac

deploy/install-deps.sh

jobs=$(nproc)
start=$(date +%s)
echo "== configure (preset dev)"
cmake --preset dev
echo "== build (${jobs} jobs)"
cmake --build --preset dev -j "${jobs}"
echo "$(( $(date +%s) - start ))s: built"

# TABELLA_SKIP_GCC=1 skips the gcc build when iterating locally.
gcc_pid=""
if [ "${TABELLA_SKIP_GCC:-0}" != 1 ]; then
  echo "== build with gcc 12, warnings as errors (preset gcc), beside the tests at nice 19"
  mkdir -p build
  # Its own process group (setsid), so an interrupted run stops the whole build with it.
  setsid bash -c "cmake --preset gcc && nice -n 19 cmake --build --preset gcc -j ${jobs}" \
    >build/gcc-build.log 2>&1 &
  gcc_pid=$!
fi
stop_gcc() { [ -z "$gcc_pid" ] || kill -- "-$gcc_pid" 2>/dev/null || true; }
trap 'stop_gcc; exit 130' INT TERM

echo "== test"
export QT_QPA_PLATFORM=offscreen
test_rc=0
ctest --preset dev -j "${jobs}" "$@" || test_rc=$?
echo "$(( $(date +%s) - start ))s: tests done (exit ${test_rc})"

gcc_rc=0
if [ -n "$gcc_pid" ]; then
  echo "== waiting for the gcc build"
  wait "$gcc_pid" || gcc_rc=$?
  if [ "$gcc_rc" -ne 0 ]; then
    echo "== gcc build FAILED (exit ${gcc_rc}); the end of build/gcc-build.log:"
    grep -E -B2 -A8 'error|warning' build/gcc-build.log | tail -n 80 || tail -n 80 build/gcc-build.log
  else
    echo "$(( $(date +%s) - start ))s: gcc build done, no warning ($(grep -c 'Building' build/gcc-build.log) compiled)"
  fi
fi
if [ "$test_rc" -ne 0 ] || [ "$gcc_rc" -ne 0 ]; then
  echo "== FAILED: tests exit ${test_rc}, gcc build exit ${gcc_rc}"
  exit 1
fi
echo "== all tests passed in $(( $(date +%s) - start ))s"
