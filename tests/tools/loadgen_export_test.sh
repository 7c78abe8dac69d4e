#!/usr/bin/env bash
# tabella-loadgen --export: a small election is cast, downloaded with GET /v1/export and checked
# by tabella-verify; the ledger runs with --response-timeout 600s (a large record's export takes
# longer than the ledger's 30 s default, which would reset it) unless a --ledger-arg sets it,
# in either form: the ledger's own start-up line (event=started) and loadgen's export line name
# the bound in effect.
#
#   loadgen_export_test.sh LOADGEN LEDGER VERIFY
set -uo pipefail
loadgen=$1 ledger=$2 verify=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tabella-loadgen-export-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- last output:"; cat "$tmp/out"; exit 1; }
run() {  # run ARGS...: 12 ballots exported into $tmp/record.jsonl, output in $tmp/out,
         # the ledger's log in $tmp/work/n0.log
  rm -rf "$tmp/record.jsonl" "$tmp/work"
  "$loadgen" --ledger-bin "$ledger" --ballots 12 --connections 2 --bound-ballots 4 \
    --cache-dir "$tmp/cache" --export "$tmp/record.jsonl" --work-dir "$tmp/work" "$@" \
    >"$tmp/out" 2>&1 || fail "loadgen $* exited $?"
}
bound() {  # bound MS TEXT: the ledger started with --response-timeout MS and loadgen says TEXT
  grep -q "event=started .* response_timeout_ms=$1\b" "$tmp/work/n0.log" ||
    fail "the ledger did not start with a $1 ms response bound: $(grep event=started "$tmp/work/n0.log")"
  grep -q "^export: .* the ledger's --response-timeout $2\$" "$tmp/out" ||
    fail "the export line does not name the bound $2"
}

run
bound 600000 600s
[[ -s $tmp/record.jsonl ]] || fail "no record written"
"$verify" --in-progress -q "$tmp/record.jsonl" >"$tmp/verify.out" 2>&1 ||
  { cat "$tmp/verify.out"; fail "the exported record does not verify"; }
grep -q '^VERIFIED' "$tmp/verify.out" || { cat "$tmp/verify.out"; fail "no VERIFIED line"; }

run --ledger-arg=--response-timeout=45s
bound 45000 45s
run --ledger-arg=--response-timeout --ledger-arg=50s
bound 50000 50s
echo "PASS"
