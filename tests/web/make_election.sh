#!/usr/bin/env bash
# Runs a small real election for the bulletin-board tests and leaves its ledger serving:
# authority key, init (ballots/demo-general.json), 3 guardians (quorum 2) and their ceremonies,
# key publish, 2 kiosks, tokens, polls open, ballots through tabella-voters (some challenged;
# every code and the voter's marks in ballots.json), polls close, tally with guardians 2 and 3.
#
# Usage: make_election.sh BIN_DIR SOURCE_DIR WORK_DIR [BALLOTS] [CHALLENGED]
# Writes WORK_DIR/url (the ledger's base URL) and WORK_DIR/ledger.pid; the caller stops the
# ledger (kill "$(cat WORK_DIR/ledger.pid)").
set -euo pipefail
BIN="$1"; SRC="$2"; WORK="$3"; BALLOTS=${4:-6}; CHALLENGED=${5:-2}
cd "$WORK"
source "$SRC/deploy/lib/tabella.sh"
fail() { echo "FAIL: $*" >&2; [ -f ledger.err ] && tail -5 ledger.err >&2; exit 1; }
BALLOT="$SRC/ballots/demo-general.json"
ORIGIN=$(tb_origin "$BALLOT")
"$BIN/tabella-admin" --key authority.key keygen --json > keygen.json
AUTH=$(tb_json keygen.json public_key)
"$BIN/tabella-ledger" --data-dir ledger --origin "$ORIGIN" --authority-key "$AUTH" \
  --listen 127.0.0.1:0 --checkpoint-interval 250ms > ledger.out 2> ledger.err &
echo $! > ledger.pid
URL=$(tb_wait_listening ledger.out "$(cat ledger.pid)" 20) || fail "tabella-ledger did not start"
echo "$URL" > url
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key)
"${A[@]}" init --ballot "$BALLOT" > /dev/null
tb_guardian_keys "$BIN/tabella-guardian" g%s "1 2 3"
for i in 1 2 3; do
  "${A[@]}" guardians add --index "$i" --name "Guardian $i" --public-key "$(tb_json "g$i.json" public_key)" > /dev/null
done
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s g%s.state ceremony%s.log "1 2 3" \
  --timeout 120 --poll-interval-ms 200 ceremony
tb_guardians_wait || fail "a ceremony failed"
"${A[@]}" key publish > /dev/null
for k in 1 2; do
  "$BIN/tabella-voters" keygen --out "kiosk$k.key" --json > "kiosk$k.json"
  pk=$(tb_json "kiosk$k.json" public_key)
  fp=$(tb_json "kiosk$k.json" fingerprint)
  "${A[@]}" kiosks enrol --public-key "$pk" --expect-fingerprint "$fp" --name "kiosk-$k" \
    --precinct P1 > /dev/null
done
"${A[@]}" tokens issue --count "$BALLOTS" --precinct P1 --out tokens > /dev/null
"${A[@]}" polls open --force > /dev/null 2>&1  # the demo ballot's end date may be past
"$BIN/tabella-voters" run --ledger "$URL" --kiosk-key kiosk1.key --kiosk-key kiosk2.key \
  --tokens tokens/tokens.csv --count "$BALLOTS" --challenge "$CHALLENGED" --json \
  --ballots ballots.json > voters.json || { cat voters.json; fail "voter simulator failed"; }
"${A[@]}" polls close > /dev/null
# The guardians wait for the encrypted tally that `tally` publishes, then decrypt.
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s g%s.state decrypt%s.log "2 3" \
  --timeout 60 --poll-interval-ms 200 decrypt --yes
"${A[@]}" --json tally --timeout 60 --poll-interval-ms 200 > tally.json || { cat tally.json; fail "tally"; }
tb_guardians_wait || fail "a decryption failed"
echo "election ready at $URL"
