#!/usr/bin/env bash
# Every program exits 0 for --help, 2 for bad usage (an unknown option, a missing required
# option, a malformed value: CLI11's own codes 105..  mapped in tabella/util/cli_parse.h) and 1
# for a refusal, as docs/admin-guide.md documents.
#
# Usage: exit_codes.sh BIN_DIR (absolute)
set -uo pipefail
BIN="$1"
DEPLOY="$(cd "$(dirname "$0")/../../deploy" && pwd)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tabella-exit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0
# expect CODE what cmd...
expect() {
  local want="$1" what="$2"; shift 2
  "$@" > out.txt 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want: $*"; sed 's/^/    /' out.txt | head -5
    failures=$((failures + 1))
  else
    echo "ok   $what: exit $got"
  fi
}

for p in tabella-admin tabella-guardian tabella-verify tabella-voters tabella-ledger tabella-witness; do
  expect 0 "$p --help" "$BIN/$p" --help
  expect 2 "$p with an unknown option" "$BIN/$p" --no-such-option
done
# The deploy scripts: --help prints their usage and does nothing else (test.sh would otherwise
# install, build and run the whole suite; install-deps.sh would install); a wrong option is 2.
for s in demo.sh test.sh install-deps.sh cluster.sh backup-ledger.sh; do
  expect 0 "deploy/$s --help" timeout 10 bash "$DEPLOY/$s" --help
  grep -q "deploy/$s" out.txt || { echo "FAIL: deploy/$s --help prints no usage"; failures=$((failures + 1)); }
done
expect 2 "deploy/demo.sh with an unknown option" timeout 10 bash "$DEPLOY/demo.sh" --no-such-option
expect 2 "deploy/install-deps.sh with an argument" timeout 10 bash "$DEPLOY/install-deps.sh" --no-such-option
expect 2 "deploy/cluster.sh with an unknown command" timeout 10 bash "$DEPLOY/cluster.sh" no-such-command
# Missing required options and malformed values (CLI11 RequiredError, ValidationError, ...).
expect 2 "tabella-admin without a command" "$BIN/tabella-admin"
expect 2 "tabella-admin guardians add without --index" "$BIN/tabella-admin" guardians add --name x --public-key 00
expect 2 "tabella-admin guardians add --index 99" "$BIN/tabella-admin" guardians add --index 99 --name x --public-key 00
expect 2 "tabella-admin init --ballot missing-file" "$BIN/tabella-admin" init --ballot does-not-exist.json
expect 2 "tabella-admin tokens issue --count abc" "$BIN/tabella-admin" tokens issue --count abc --precinct P --out t
expect 0 "tabella-admin polls open --help" "$BIN/tabella-admin" polls open --help
expect 2 "tabella-guardian without --index" "$BIN/tabella-guardian" keygen
expect 2 "tabella-verify without a record" "$BIN/tabella-verify"
expect 2 "tabella-admin test-deck without --ballot" "$BIN/tabella-admin" test-deck --out d
expect 2 "tabella-admin test-deck check without --record" "$BIN/tabella-admin" test-deck check --deck /dev/null
expect 2 "tabella-voters run without --count or --deck" "$BIN/tabella-voters" run --kiosk-key k --tokens t
expect 2 "tabella-voters run without --tokens" "$BIN/tabella-voters" run --kiosk-key k --count 1
expect 2 "tabella-ledger --threads abc" "$BIN/tabella-ledger" --threads abc
expect 2 "tabella-ledger without --origin" "$BIN/tabella-ledger" --listen 127.0.0.1:0 --data-dir d
expect 2 "tabella-ledger --origin without --authority-key" "$BIN/tabella-ledger" --origin o.example/x --listen 127.0.0.1:0 --data-dir d
expect 2 "tabella-witness --listen (no value)" "$BIN/tabella-witness" --listen
# Refusals: the command line is fine, the operation is not.
"$BIN/tabella-admin" --key a.key keygen > /dev/null || { echo "FAIL: keygen"; exit 1; }
expect 1 "tabella-admin keygen over an existing key" "$BIN/tabella-admin" --key a.key keygen
expect 1 "tabella-admin status without a ledger" "$BIN/tabella-admin" --ledger http://127.0.0.1:1 status
expect 2 "tabella-verify on a file that does not exist" "$BIN/tabella-verify" no-such-record.jsonl
if [ "$failures" != 0 ]; then echo "$failures FAILED"; exit 1; fi
echo PASS
