#!/usr/bin/env bash
# Fails, listing the files, when any tracked C++ source differs from .clang-format's layout.
set -euo pipefail
clang_format=${1:-clang-format}
mapfile -t files < <(git ls-files -co --exclude-standard '*.h' '*.cpp' 2>/dev/null | grep -v '^build/' || true)
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find common server client tests -name '*.h' -o -name '*.cpp' 2>/dev/null)
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "clang-format: ${#bad[@]} file(s) need formatting (run: clang-format -i <file>):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
