#!/usr/bin/env bash
# docs/operations.md "Backups" and "Restoring", run as written: deploy/backup-ledger.sh copies a
# running ledger's data while kiosks are being enrolled (writes during the copy); the ledger is
# stopped, a new data directory is made from the copy, and tabella-ledger starts from it with
# the size the copy holds; tabella-verify checks the restored ledger's record (and its current
# checkpoint) in full; the entries written after the copy are submitted again and verify too.
# Without the backed-up ledger key, the restored ledger's checkpoints fail tabella-verify.
#
# Usage: backup_restore.sh BIN_DIR SOURCE_DIR
set -euo pipefail
BIN="$1"
SRC="$2"
source "$SRC/tests/e2e/harness.sh"
e2e_setup backup
json_field() { tb_json - "$1"; }
size_of() { python3 -c "import json,sys,urllib.request;print(json.load(urllib.request.urlopen(sys.argv[1]+'/v1/status'))['size'])" "$1"; }

BALLOT="$SRC/ballots/demo-general.json"
ORIGIN=$(tb_origin "$BALLOT")
"$BIN/tabella-admin" --key authority.key keygen --json > keygen.json
AUTH=$(json_field public_key < keygen.json)

start_ledger() {  # start_ledger DATA_DIR
  e2e_start_ledger --data-dir "$1" --origin "$ORIGIN" --authority-key "$AUTH" \
    --listen 127.0.0.1:0 --checkpoint-interval 250ms
}
stop_ledger() {
  kill -TERM "$LEDGER_PID"
  wait "$LEDGER_PID" || fail "tabella-ledger did not exit cleanly on SIGTERM"
  LEDGER_PID=""
}

step "a ledger with an election and three guardians"
start_ledger ledger
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key)
"${A[@]}" init --ballot "$BALLOT" > /dev/null
for i in 1 2 3; do
  "$BIN/tabella-guardian" --index "$i" --key "g$i.key" keygen --json > "g$i.json"
  "${A[@]}" guardians add --index "$i" --name "Guardian $i" \
    --public-key "$(json_field public_key < "g$i.json")" > /dev/null
done
for k in 1 2 3 4 5 6; do
  "$BIN/tabella-voters" keygen --out "kiosk$k.key" --json > "kiosk$k.json"
done
enrol() { "$BIN/tabella-admin" --ledger "$URL" --key authority.key kiosks enrol --public-key "$(json_field public_key < "kiosk$1.json")" --name "kiosk-$1" --precinct P1; }

step "online backup while kiosks are enrolled"
( for k in 1 2 3 4 5 6; do enrol "$k" > /dev/null || exit 1; done ) &
WRITER=$!
sleep 1  # the first enrolments land before the copy, the later ones during and after it
"$SRC/deploy/backup-ledger.sh" ledger backup
wait "$WRITER" || fail "enrolling kiosks during the backup failed"
FINAL=$(size_of "$URL")
BACKED=$(sqlite3 backup/ledger.sqlite "SELECT count(*) FROM entries;")
echo "   ledger size $FINAL, backup holds $BACKED entries"
[ "$BACKED" -ge 4 ] && [ "$BACKED" -le "$FINAL" ] || fail "backup holds $BACKED entries of $FINAL"
[ "$(stat -c %a backup/ledger.key)" = 600 ] || fail "the backed-up key is not 0600"
KEY=$("$BIN/tabella-ledger" --data-dir ledger --origin "$ORIGIN" --print-verifier-key)
# A copy of the whole record, as any auditor or mirror holds it (docs/operations.md step 4).
"$BIN/tabella-verify" --in-progress -q --save mirror.jsonl "$URL" > verify0.out 2>&1 \
  || { cat verify0.out; fail "tabella-verify refused the original ledger"; }

step "restore: stop the ledger, a new data directory from the backup, start"
stop_ledger
mkdir -m 700 restored
cp backup/ledger.sqlite backup/ledger.key restored/
[ "$("$BIN/tabella-ledger" --data-dir restored --origin "$ORIGIN" --print-verifier-key)" = "$KEY" ] \
  || fail "the restored ledger key differs"
start_ledger restored
[ "$(size_of "$URL")" = "$BACKED" ] || fail "the restored ledger holds $(size_of "$URL") entries, not $BACKED"
"$BIN/tabella-verify" --in-progress -q "$URL" > verify1.out 2>&1 || { cat verify1.out; fail "tabella-verify refused the restored ledger"; }
echo "   restored at size $BACKED; tabella-verify: ok"

step "the rollback is visible; the later entries, appended again from a mirror, close the gap"
# tabella-admin keeps its view of the log: a ledger that lost entries it had signed is refused.
if out=$(enrol 1 2>&1); then fail "tabella-admin accepted a rolled-back ledger"; fi
echo "$out" | grep -q "rollback" || fail "tabella-admin refused for another reason: $out"
echo "   tabella-admin: $(echo "$out" | grep -o 'rollback.*entries were removed' | head -1)"
python3 - "$URL" "$BACKED" mirror.jsonl <<'PY' || fail "appending the missing entries"
import json, sys, urllib.request
url, first, mirror = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for line in open(mirror):
    item = json.loads(line)
    if "index" not in item or item["index"] < first:
        continue
    req = urllib.request.Request(url + "/v1/entries", json.dumps({"entry": item["entry"]}).encode(),
                                 {"Content-Type": "application/json"})
    reply = json.load(urllib.request.urlopen(req))
    assert reply["index"] == item["index"], (reply, item["index"])
PY
[ "$(size_of "$URL")" = "$FINAL" ] || fail "size $(size_of "$URL") after the re-append, not $FINAL"
for k in 1 2 3 4 5 6; do enrol "$k" > /dev/null || fail "tabella-admin after the re-append (kiosk $k)"; done
[ "$(size_of "$URL")" = "$FINAL" ] || fail "the officials' commands appended again: $(size_of "$URL")"
"$BIN/tabella-verify" --in-progress -q "$URL" > verify2.out 2>&1 || { cat verify2.out; fail "tabella-verify refused the ledger after the re-append"; }
echo "   size $FINAL again, the same history: tabella-admin and tabella-verify accept it"
stop_ledger

step "a restore without the ledger key is refused"
# The election entry pins the ledger's key: a ledger with a new key either refuses to start or
# signs checkpoints that tabella-verify refuses.
mkdir -m 700 keyless
cp backup/ledger.sqlite keyless/
: > ledger.out
"$BIN/tabella-ledger" --data-dir keyless --origin "$ORIGIN" --authority-key "$AUTH" \
  --listen 127.0.0.1:0 --checkpoint-interval 250ms > ledger.out 2> keyless.err &
LEDGER_PID=$!
URL=$(tb_wait_listening ledger.out "$LEDGER_PID" 15 2>/dev/null) || URL=""
if [ -z "$URL" ]; then
  wait "$LEDGER_PID" && fail "tabella-ledger without its key exited with status 0"
  LEDGER_PID=""
  echo "   refused at start: $(tail -1 keyless.err)"
else
  if "$BIN/tabella-verify" --in-progress -q "$URL" > verify3.out 2>&1; then
    fail "a ledger restored without its key verified"
  fi
  grep -Eiq "signature|key" verify3.out || { cat verify3.out; fail "tabella-verify failed for another reason"; }
  echo "   tabella-verify refused: $(grep -Ei "signature|key" verify3.out | head -1)"
  stop_ledger
fi
echo "backup_restore: ok"
