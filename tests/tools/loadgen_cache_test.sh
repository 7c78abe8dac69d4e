#!/usr/bin/env bash
# tabella-loadgen's election cache (tests/tools/loadgen_election.h), with --generate-only:
#   1. a first run generates the election and writes the cache directory;
#   2. a second run reuses it (no generation, entries.bin untouched);
#   3. a truncated entries.bin, a byte changed in it, and a header of another format version are
#      each reported and regenerated, never used; the regenerated entries are byte for byte the
#      first run's (generation is deterministic whatever the thread count).
#
#   loadgen_cache_test.sh LOADGEN
set -uo pipefail
loadgen=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tabella-loadgen-cache-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- last output:"; cat "$tmp/out"; exit 1; }
run() {  # run THREADS: generate or reuse into $tmp/cache, output in $tmp/out
  "$loadgen" --generate-only --ballots 24 --connections 3 --gen-threads "$1" \
    --cache-dir "$tmp/cache" >"$tmp/out" 2>&1 || fail "loadgen exited $?"
}

run 1
grep -q '^cache: no .*; generating$' "$tmp/out" || fail "first run did not generate"
grep -q '^  generated 24 of 24 ballots' "$tmp/out" || fail "no progress line"
dir=$(sed -n 's/^election: //p' "$tmp/out")
[[ -f $dir/header.json && -f $dir/entries.bin && -f $dir/keys/ledger.pem ]] ||
  fail "no cache directory written ($dir)"
[[ $(stat -c %a "$dir/keys/kiosk-0.pem") == 600 ]] || fail "kiosk key file not 0600"
cp "$dir/entries.bin" "$tmp/first.bin"
stamp=$(stat -c %Y.%s "$dir/entries.bin")

run 2
grep -q "^cache: reused $dir " "$tmp/out" || fail "second run did not reuse the cache"
grep -q 'generat' "$tmp/out" && fail "second run generated"
[[ $(stat -c %Y.%s "$dir/entries.bin") == "$stamp" ]] || fail "entries.bin rewritten on reuse"

truncate -s -100 "$dir/entries.bin"
run 2
grep -q "^cache: $dir is not valid (entries.bin has .* bytes, header says .* (truncated or replaced)); regenerating$" \
  "$tmp/out" || fail "truncated cache not detected"
cmp -s "$dir/entries.bin" "$tmp/first.bin" || fail "regenerated entries differ from the first run's"

byte=$(od -An -tu1 -j5000 -N1 "$dir/entries.bin" | tr -d ' ')
printf "\\x$(printf %02x $((255 - byte)))" |
  dd of="$dir/entries.bin" bs=1 seek=5000 conv=notrunc status=none
run 2
grep -q "is not valid (entries.bin holds .* entries with another digest" "$tmp/out" ||
  fail "changed byte not detected"
cmp -s "$dir/entries.bin" "$tmp/first.bin" || fail "regenerated entries differ after a change"

sed -i 's/"version": 1/"version": 0/' "$dir/header.json"
run 2
grep -q 'is not valid (format "tabella-loadgen-cache" version 0, expected .* version 1); regenerating' \
  "$tmp/out" || fail "header of another version not detected"
run 1
grep -q "^cache: reused $dir " "$tmp/out" || fail "regenerated cache not reused"
echo "PASS"
