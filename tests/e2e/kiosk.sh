#!/usr/bin/env bash
# End-to-end test of the kiosk's own code path (tabella-kiosk: KioskModel, dispatcher, SQLite
# queue, HTTP LedgerClient) against the real tabella-ledger:
#   - first-run enrolment: `tabella-kiosk --enrol` creates the key and prints fingerprint and
#     public key; before `tabella-admin kiosks enrol --public-key --expect-fingerprint` the kiosk
#     refuses to serve voters ("not enrolled");
#   - 3 voters through `tabella-kiosk --simulate-voters` (headless), the first checks (challenges)
#     a ballot first; every tracking code is found at /v1/ballots/<code>;
#   - offline: the ledger is killed (SIGKILL), one voter casts: the ballot is queued with the
#     pending notice; the ledger restarts on the same data dir and port; the kiosk's queue
#     drains, and the ledger holds the ballot exactly once (/v1/status, /v1/kiosks/<key>);
#   - polls close, tally, publish: tabella-verify accepts the record and the published counts are
#     the plaintext totals the simulated voters marked.
#
# Usage: kiosk.sh BIN_DIR SOURCE_DIR   (BIN_DIR holds tabella-ledger, tabella-admin, tabella-kiosk..)
set -euo pipefail
BIN="$1"
SRC="$2"

source "$SRC/tests/e2e/harness.sh"
e2e_setup e2e-kiosk
json() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print(eval(sys.argv[2]))" "$@"; }
get() { python3 -c "import json,sys,urllib.request;print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1]))))" "$1"; }

BALLOT="$SRC/ballots/demo-general.json"
ORIGIN=$(tb_origin "$BALLOT")

start_ledger() {  # start_ledger LISTEN
  e2e_start_ledger --data-dir ledger --origin "$ORIGIN" --authority-key "$AUTH" \
    --listen "$1" --checkpoint-interval 250ms
}

step "authority, ledger, election, guardians, joint key"
"$BIN/tabella-admin" --key authority.key keygen --json > keygen.json
AUTH=$(json keygen.json "d['public_key']")
# A port of our own: the ledger is restarted on it later, and one from bind-to-0 is in the
# ephemeral range, where an outgoing connection may take it while the ledger is down.
e2e_free_port PORT
start_ledger "127.0.0.1:$PORT"
echo "   $URL"
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key)
"${A[@]}" init --ballot "$BALLOT" > /dev/null
tb_guardian_keys "$BIN/tabella-guardian" g%s "1 2 3"
for i in 1 2 3; do
  "${A[@]}" guardians add --index "$i" --name "Guardian $i" --public-key "$(jget "g$i.json" public_key)" > /dev/null
done
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s g%s.state ceremony%s.log "1 2 3" \
  --timeout 120 --poll-interval-ms 200 ceremony
tb_guardians_wait || fail "a ceremony failed"
"${A[@]}" key publish > /dev/null

step "tabella-kiosk: configuration, PIN, first-run enrolment (no display needed)"
K=("$BIN/tabella-kiosk" --config "$WORK/kiosk/kiosk.conf")
"${K[@]}" --ledger "$URL" --data-dir "$WORK/kiosk" --init-config > /dev/null
echo 2468 | "${K[@]}" --set-pin > /dev/null
grep -q 'pin_hash=.*pbkdf2-sha256' kiosk/kiosk.conf || fail "the PIN hash is not in kiosk.conf"
"${K[@]}" --enrol > enrol.out
cat enrol.out | sed 's/^/   /'
KEY_HEX=$(sed -n 's/^Public key: //p' enrol.out)
FP=$(sed -n 's/^Fingerprint: //p' enrol.out)
[ ${#KEY_HEX} = 64 ] || fail "--enrol printed no public key"
[ "$(stat -c %a kiosk/kiosk.key)" = 600 ] || fail "kiosk.key is not 0600"
"${K[@]}" --enrol > enrol2.out
grep -q "Public key: $KEY_HEX" enrol2.out || fail "a second --enrol changed the key"

# No kiosk is enrolled yet (and the demo ballot's end date may be past): both need --force.
"${A[@]}" tokens issue --count 6 --precinct P1 --out tokens --force > /dev/null 2>&1
"${A[@]}" tokens issue --count 1 --precinct P2 --out tokens-p2 --force > /dev/null 2>&1
"${A[@]}" polls open --force > /dev/null 2>&1

step "a kiosk that is not enrolled serves no voter"
if echo 2468 | "${K[@]}" --simulate-voters 1 --tokens tokens/tokens.csv --pin-stdin \
    --drain-timeout 0 > notenrolled.out 2>&1; then
  cat notenrolled.out; fail "an unenrolled kiosk accepted a voter"
fi
grep -q "not enrolled" notenrolled.out || { cat notenrolled.out; fail "no 'not enrolled' message"; }
echo "   refused as expected: $(grep 'not enrolled' notenrolled.out | head -1)"

step "the official enrols the kiosk, reading its fingerprint back"
"${A[@]}" kiosks enrol --public-key "$KEY_HEX" --expect-fingerprint "$FP" --name kiosk-e2e \
  --precinct P1 | sed 's/^/   /'

step "3 voters through the headless kiosk (the first checks a ballot first)"
echo 2468 | "${K[@]}" --simulate-voters 3 --challenge 1 --tokens tokens/tokens.csv --pin-stdin \
  --seed 7 --json voters1.json | tee voters1.out | sed 's/^/   /' \
  || fail "headless kiosk: not every ballot confirmed"
[ "$(json voters1.json "d['ok'] and d['recorded'] == 3 and d['challenged'] == 1 and d['drained']")" = True ] \
  || { cat voters1.json; fail "voters1.json"; }
for code in $(json voters1.json "' '.join(v['code'] for v in d['voters'])"); do
  b=$(get "$URL/v1/ballots/$code") || fail "ballot $code not found at the ledger"
  [ "$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);print(d['type'], d['kiosk'])" "$b")" = "cast-ballot $KEY_HEX" ] \
    || fail "ballot $code: $b"
done
S=$(get "$URL/v1/status")
[ "$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);print(d['ballots_cast'], d['ballots_challenged'])" "$S")" = "3 1" ] \
  || fail "ledger status after 3 voters: $S"
echo "   ledger: 3 cast, 1 challenged; every tracking code found"

step "a voting code is checked with the ledger as it is typed: spent, other precinct, unknown"
SIZE_BEFORE=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['size'])" "$(get "$URL/v1/status")")
if echo 2468 | "${K[@]}" --simulate-voters 1 --tokens tokens/tokens.csv --pin-stdin \
    --drain-timeout 0 > spent.out 2>&1; then
  cat spent.out; fail "a spent voting code was accepted"
fi
grep -q "voting code: This voting code has already been used" spent.out \
  || { cat spent.out; fail "the spent code was not refused on the code screen"; }
if echo 2468 | "${K[@]}" --simulate-voters 1 --tokens tokens-p2/tokens.csv --pin-stdin \
    --drain-timeout 0 > precinct.out 2>&1; then
  cat precinct.out; fail "a voting code of another precinct was accepted"
fi
grep -q "voting code: This voting code is for another polling place (P2), not this one (P1)" precinct.out \
  || { cat precinct.out; fail "the other precinct's code was not refused on the code screen"; }
[ "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['size'])" "$(get "$URL/v1/status")")" = "$SIZE_BEFORE" ] \
  || fail "a refused code still sent an entry to the ledger"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/tokens/$(printf '%064d' 0)")
[ "$code" = 404 ] || fail "GET /v1/tokens/<unknown hash> answered $code, not 404"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/tokens/xyz")
[ "$code" = 400 ] || fail "GET /v1/tokens/xyz answered $code, not 400"
echo "   refused on the code screen, nothing sent: $(grep -o 'This voting code[^;]*' spent.out | head -1)"

step "offline: the ledger is killed, a voter casts, the ballot waits in the kiosk's queue"
kill -9 "$LEDGER_PID"; wait "$LEDGER_PID" 2>/dev/null || true; LEDGER_PID=""
echo 2468 | "${K[@]}" --simulate-voters 1 --skip-tokens 3 --tokens tokens/tokens.csv --pin-stdin \
  --seed 8 --drain-timeout 240 --json voters2.json > voters2.out 2>&1 &
KIOSK_PID=$!
BG_PIDS+=($KIOSK_PID)
for _ in $(seq 1 600); do
  grep -q '^voter 1' voters2.out 2>/dev/null && break
  kill -0 "$KIOSK_PID" 2>/dev/null || { cat voters2.out; fail "the kiosk exited before the voter left"; }
  sleep 0.1
done
grep '^voter 1' voters2.out | sed 's/^/   /'
grep -q '^voter 1.*: pending - recorded on this kiosk; confirmation from the election record is pending' voters2.out \
  || { cat voters2.out; fail "the offline ballot did not get the pending notice"; }
sleep 2  # a delivery attempt or two against the dead port
kill -0 "$KIOSK_PID" 2>/dev/null || { cat voters2.out; fail "the kiosk gave up while the ledger was down"; }

step "the ledger restarts on the same data dir and port; the queue drains"
start_ledger "127.0.0.1:$PORT"
wait "$KIOSK_PID" || { cat voters2.out; fail "the kiosk's queue was not delivered"; }
BG_PIDS=()
tail -1 voters2.out | sed 's/^/   /'
[ "$(json voters2.json "d['ok'] and d['pending'] == 1 and d['drained'] and d['queue_left'] == 0 and d['rejected_new'] == 0")" = True ] \
  || { cat voters2.json; fail "voters2.json"; }
CODE=$(json voters2.json "d['voters'][0]['code']")
get "$URL/v1/ballots/$CODE" > /dev/null || fail "the queued ballot is not at the ledger"
# Exactly once: one more cast ballot, and the kiosk's chain holds 4 cast + 1 challenged.
S=$(get "$URL/v1/status")
[ "$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);print(d['ballots_cast'], d['tokens_spent'])" "$S")" = "4 4" ] \
  || fail "ledger status after the queued ballot: $S"
KR=$(get "$URL/v1/kiosks/$KEY_HEX")
[ "$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);print(d['cast'], d['challenged'], d['last_sequence'])" "$KR")" = "4 1 5" ] \
  || fail "the ledger's record of the kiosk: $KR"
# A restarted kiosk finds nothing left to send and sends nothing twice.
echo | "${K[@]}" --simulate-voters 0 --drain-timeout 30 > voters3.out 2>&1 || { cat voters3.out; fail "kiosk restart"; }
grep -q "queue drained" voters3.out || { cat voters3.out; fail "queue not empty after restart"; }
S2=$(get "$URL/v1/status")
[ "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['size'])" "$S2")" = \
  "$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['size'])" "$S")" ] || fail "the restarted kiosk resent entries"
echo "   delivered exactly once: ledger 4 cast (tokens spent 4), kiosk record cast 4, challenged 1, sequence 5"

step "polls close, tally, publish, tabella-verify"
"${A[@]}" polls close > /dev/null
echo 2468 | "${K[@]}" --poll-report closed --report-out closed-report.pdf > report.out 2>&1 \
  || { cat report.out; fail "the polls-closed report lists a problem or was refused"; }
KR=$(get "$URL/v1/kiosks/$KEY_HEX")
HEAD=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['chain_head'])" "$KR")
pdftotext closed-report.pdf closed-report.pdf.txt || fail "pdftotext"
# The PDF's ligatures ("fi", and "ff" inside a hex code) come back as one character each.
python3 -c "import sys,unicodedata;print(unicodedata.normalize('NFKC',open(sys.argv[1]).read()))" \
  closed-report.pdf.txt > closed-report.txt
grep -q "Ballots cast: 4" closed-report.txt && grep -q "not counted): 1" closed-report.txt \
  && grep -q "$HEAD" closed-report.txt && grep -q "Precinct: P1" closed-report.txt \
  || { cat closed-report.txt; fail "the polls-closed report differs from the ledger's record"; }
echo "   polls-closed report: 4 cast, 1 checked, chain head ${HEAD:0:16}... as the ledger's polls-close names"
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s g%s.state decrypt%s.log "2 3" \
  --timeout 120 --poll-interval-ms 200 decrypt --yes
"${A[@]}" --json tally --timeout 120 --poll-interval-ms 200 > tally.json || { cat tally.json; fail "tally"; }
tb_guardians_wait || fail "a guardian failed to decrypt"
python3 - <<'PY' || fail "published counts differ from what the kiosk's voters marked"
import json
t = json.load(open("tally.json"))
runs = [json.load(open(f)) for f in ("voters1.json", "voters2.json")]
cast = sum(r["cast"] for r in runs)
assert t["cast_count"] == cast == 4, (t["cast_count"], cast)
for contest, per in runs[0]["counts"].items():
    for choice in per:
        want = sum(r["counts"][contest][choice] for r in runs)
        assert t["counts"][contest][choice] == want, (contest, choice, t["counts"][contest][choice], want)
print("   result matches the 4 ballots the kiosk's voters marked")
PY
"${A[@]}" publish published > /dev/null
"$BIN/tabella-verify" published/record.jsonl > verify.out || { cat verify.out; fail "tabella-verify rejected the record"; }
tail -3 verify.out | sed 's/^/   /'
echo "PASS"
