#!/usr/bin/env bash
# Fails, listing the files, when any tracked C++ source differs from .clang-format's layout.
# One clang-format process checks every file (a process per file cost about 50 s of the suite).
set -euo pipefail
clang_format=${1:-clang-format}
mapfile -t files < <(git ls-files -co --exclude-standard '*.h' '*.cpp' 2>/dev/null | grep -v '^build/' || true)
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find common server client tests -name '*.h' -o -name '*.cpp' 2>/dev/null)
fi
present=()
for f in "${files[@]}"; do [ -f "$f" ] && present+=("$f"); done
# --dry-run --Werror reports every misformatted spot as "<file>:<line>:<col>: error: ...".
out=$(printf '%s\0' "${present[@]}" | xargs -0 -n 200 "$clang_format" --dry-run --Werror 2>&1) && rc=0 || rc=$?
mapfile -t bad < <(grep -oE '^[^:[:space:]]+\.(h|cpp):[0-9]+:[0-9]+: error' <<<"$out" | cut -d: -f1 | sort -u)
if [ ${#bad[@]} -ne 0 ] || [ "$rc" -ne 0 ]; then
  echo "clang-format: ${#bad[@]} file(s) need formatting (run: clang-format -i <file>):"
  printf '  %s\n' "${bad[@]}"
  [ ${#bad[@]} -ne 0 ] || printf '%s\n' "$out" | head -20
  exit 1
fi
echo "clang-format: ${#present[@]} files formatted"
