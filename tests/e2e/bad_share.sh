#!/usr/bin/env bash
# A bad share in a real key ceremony (docs/spec.md §5.3, §5.4.1): real processes against a real
# tabella-ledger (SQLite file, HTTP on 127.0.0.1). n = 3 guardians, quorum 2. Guardian 3 is
# bad-guardian (tests/tools/bad_guardian.cpp): it sends guardian 1 a random scalar, validly
# encrypted, instead of its share. Guardians 1 and 2 run `tabella-guardian ceremony`.
#
#   1. Guardian 3 answers the complaint: guardian 1 complains naming 3, 3's share-reveal is in the
#      record, the ceremony finishes, `tabella-admin key publish` succeeds, and the election runs
#      to a result decrypted by guardians {1, 2} alone (guardian 1 with the revealed share);
#      tabella-verify passes the published record.
#   2. Guardian 3 never answers (a second ledger, a new election): `tabella-admin key publish`
#      refuses, exit 1, naming guardian 3 as the one the ceremony waits for.
#
# Usage: bad_share.sh BIN_DIR SOURCE_DIR   (BIN_DIR holds tabella-*, bad-guardian)
set -euo pipefail
BIN="$1"
SRC="$2"
source "$SRC/tests/e2e/harness.sh"
e2e_setup bad-share
BG_PIDS=()
BAD_PID=""
LEDGER2_PID=""
cleanup_all() {
  for p in "${BG_PIDS[@]}" $BAD_PID; do kill "$p" 2>/dev/null || true; done
  if [ -n "$LEDGER2_PID" ]; then kill "$LEDGER2_PID" 2>/dev/null || true; wait "$LEDGER2_PID" 2>/dev/null || true; fi
  e2e_cleanup
}
trap cleanup_all EXIT
step() { echo "== $*"; }
# The interpreter itself, once: a version manager's python3 shim can take a second per start.
PY=$(python3 -c 'import sys; print(sys.executable)')
jget() { "$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

BALLOT="$SRC/ballots/city-referendum.json"
ORIGIN=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['origin'])" "$BALLOT")

# start_ledger DIR OUT ERR: starts a ledger, sets STARTED_PID and STARTED_URL.
start_ledger() {
  "$BIN/tabella-ledger" --data-dir "$1" --origin "$ORIGIN" --authority-key "$AUTH" \
    --listen 127.0.0.1:0 --checkpoint-interval 200ms > "$2" 2> "$3" &
  STARTED_PID=$!
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$2" 2>/dev/null && break
    kill -0 "$STARTED_PID" 2>/dev/null || fail "tabella-ledger exited"
    sleep 0.1
  done
  STARTED_URL=$(sed -n 's/^listening on //p' "$2" | head -1)
  [ -n "$STARTED_URL" ] || fail "tabella-ledger did not print its URL"
}

# record_entries URL: one line per entry of the ledger's record, "<index> <type> <body fields>"
# (guardian-complaint: complainer accused; share-reveal: sender recipient).
record_entries() {
  "$PY" - "$1" <<'PY'
import base64, json, struct, sys, urllib.request
url = sys.argv[1]
start = 0
while True:
    with urllib.request.urlopen("%s/v1/entries?start=%d&count=1000" % (url, start)) as r:
        page = json.load(r)["entries"]
    if not page:
        break
    for item in page:
        b = base64.b64decode(item["entry"])
        fields, pos = [], 0
        while pos < len(b):
            (n,) = struct.unpack(">I", b[pos:pos + 4])
            fields.append(b[pos + 4:pos + 4 + n])
            pos += 4 + n
        etype, body = fields[1].decode(), fields[4]
        extra = ""
        if etype in ("guardian-complaint", "share-reveal"):
            extra = " %d %d" % struct.unpack(">II", body[:8])
        print("%d %s%s" % (start, etype, extra))
        start += 1
PY
}

step "keys: authority, guardians 1-3, a kiosk"
"$BIN/tabella-admin" --key authority.key keygen --json > authority.json
AUTH=$(jget authority.json public_key)
tb_guardian_keys "$BIN/tabella-guardian" g%s "1 2 3"
"$BIN/tabella-voters" keygen --out kiosk.key --json > kiosk.json

# enrol URL VIEW: the election and its three guardians.
enrol() {
  local a=("$BIN/tabella-admin" --ledger "$1" --key authority.key --view "$2")
  "${a[@]}" init --ballot "$BALLOT" > /dev/null
  for i in 1 2 3; do
    "${a[@]}" guardians add --index "$i" --name "Guardian $i" --public-key "$(jget "g$i.json" public_key)" > /dev/null
  done
}
# ceremony URL RUN INDEX: tabella-guardian ceremony in the background (log RUN-gINDEX.log).
ceremony() {
  "$BIN/tabella-guardian" --ledger "$1" --index "$3" --key "g$3.key" --state "$2-g$3.state" \
    --passphrase-file "g$3.pass" --timeout 60 --poll-interval-ms 100 ceremony > "$2-g$3.log" 2>&1 &
  BG_PIDS+=($!)
}

step "case 1: guardian 3 sends guardian 1 a bad share, then answers the complaint"
start_ledger ledger1 ledger.out ledger.err
LEDGER_PID=$STARTED_PID
URL=$STARTED_URL
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key --view a1.view)
enrol "$URL" a1.view
"$BIN/bad-guardian" --ledger "$URL" --index 3 --victim 1 --key g3.key --view one-g3.view \
  --timeout 60 --poll-interval-ms 100 > one-g3.log 2>&1 &
BAD_PID=$!
ceremony "$URL" one 1
ceremony "$URL" one 2
for p in "${BG_PIDS[@]}"; do wait "$p" || { tail -n 20 one-g*.log; fail "a ceremony failed"; }; done
BG_PIDS=()
grep -q "the share from guardian 3 fails its check .*complaint posted" one-g1.log \
  || { cat one-g1.log; fail "guardian 1 did not complain about guardian 3's share"; }
grep -q "using the share guardian 3 revealed" one-g1.log || { cat one-g1.log; fail "guardian 1 did not use the reveal"; }
grep -q "key ceremony complete" one-g1.log && grep -q "key ceremony complete" one-g2.log \
  || fail "guardians 1 and 2 did not complete the ceremony"
grep -h "complain\|reveal" one-g1.log one-g3.log | sed 's/^/   /'
"${A[@]}" key publish > key-publish.out || { cat key-publish.out; fail "key publish after the reveal"; }
grep -q "election key published" key-publish.out || fail "key publish: $(cat key-publish.out)"
wait "$BAD_PID" || { cat one-g3.log; fail "bad-guardian failed"; }
BAD_PID=""
grep -q "revealed the true share" one-g3.log || { cat one-g3.log; fail "guardian 3 did not reveal"; }
record_entries "$URL" > record1.txt
grep -q "guardian-complaint 1 3$" record1.txt || { cat record1.txt; fail "no complaint by 1 naming 3 in the record"; }
grep -q "share-reveal 3 1$" record1.txt || { cat record1.txt; fail "no reveal by 3 for 1 in the record"; }
[ "$(grep -c "guardian-complaint" record1.txt)" = 1 ] || { cat record1.txt; fail "exactly one complaint expected"; }
[ "$(grep -c "shares-verified" record1.txt)" = 2 ] || { cat record1.txt; fail "guardians 2 and 3 post shares-verified"; }
echo "   record: $(grep -E "complaint|reveal|election-key" record1.txt | tr '\n' ';')"

step "case 1: ballots, tally decrypted by guardians 1 and 2, tabella-verify"
"${A[@]}" kiosks enrol --public-key "$(jget kiosk.json public_key)" --name kiosk-1 --precinct P1 > /dev/null
"${A[@]}" tokens issue --count 4 --precinct P1 --out tokens > /dev/null
"${A[@]}" polls open --force > /dev/null
"$BIN/tabella-voters" run --ledger "$URL" --kiosk-key kiosk.key --tokens tokens/tokens.csv \
  --count 3 --challenge 0 --json > voters.json || { cat voters.json; fail "voters"; }
"${A[@]}" polls close > /dev/null
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s one-g%s.state decrypt%s.log "1 2" \
  --timeout 60 --poll-interval-ms 100 decrypt --yes
"${A[@]}" --json tally --timeout 60 --poll-interval-ms 100 > tally.json || { cat tally.json decrypt*.log; fail "tally"; }
tb_guardians_wait || fail "a decryption failed"
"$PY" - <<'PY' || fail "the result"
import json
t = json.load(open("tally.json")); v = json.load(open("voters.json"))
assert t["guardians"] == [1, 2], t["guardians"]
assert t["cast_count"] == v["cast"] == 3, (t["cast_count"], v["cast"])
for contest, per in v["counts"].items():
    for choice, n in per.items():
        assert t["counts"][contest][choice] == n, (contest, choice)
print("   result by guardians %s matches the %d ballots cast" % (t["guardians"], v["cast"]))
PY
# The record straight from the ledger (tabella-admin publish would also render the board and the
# reports, which take long on a loaded machine and are tested elsewhere).
"$BIN/tabella-verify" --expect-authority "$(jget authority.json fingerprint)" --save record.jsonl \
  "$URL" > verify.out || { cat verify.out; fail "tabella-verify rejected the record"; }
tail -n 2 verify.out | sed 's/^/   /'
kill "$LEDGER_PID"; wait "$LEDGER_PID" 2>/dev/null || true; LEDGER_PID=""

step "case 2: guardian 3 never answers the complaint"
start_ledger ledger2 ledger2.out ledger2.err
LEDGER2_PID=$STARTED_PID
URL2=$STARTED_URL
enrol "$URL2" a2.view
"$BIN/bad-guardian" --ledger "$URL2" --index 3 --victim 1 --key g3.key --view two-g3.view \
  --timeout 60 --poll-interval-ms 100 --never-answer > two-g3.log 2>&1 &
BAD_PID=$!
ceremony "$URL2" two 1
ceremony "$URL2" two 2
wait "$BAD_PID" || { cat two-g3.log; fail "bad-guardian failed"; }
BAD_PID=""
grep -q "leaving it unanswered" two-g3.log || { cat two-g3.log; fail "no complaint reached guardian 3"; }
# Guardian 2 checked its shares; wait until its shares-verified is in the record too.
for _ in $(seq 1 300); do
  record_entries "$URL2" > record2.txt
  [ "$(grep -c "shares-verified" record2.txt)" = 2 ] && break
  sleep 0.1
done
grep -q "guardian-complaint 1 3$" record2.txt || { cat record2.txt; fail "no complaint by 1 naming 3"; }
grep -q "share-reveal" record2.txt && fail "a reveal in case 2"
set +e
"$BIN/tabella-admin" --ledger "$URL2" --key authority.key --view a2.view key publish > publish2.out 2>&1
code=$?
set -e
[ "$code" = 1 ] || { cat publish2.out; fail "key publish without the reveal: exit $code, expected 1"; }
grep -q "the key ceremony is not complete: guardian 3 has not answered guardian 1's complaint with a share-reveal" publish2.out \
  || { cat publish2.out; fail "key publish does not name guardian 3"; }
echo "   refused (exit 1): $(head -1 publish2.out)"
for _ in $(seq 1 100); do
  grep -q "guardian 3 has not answered guardian 1's complaint" two-g1.log && break
  sleep 0.1
done
grep -q "guardian 3 has not answered guardian 1's complaint" two-g1.log \
  || { cat two-g1.log; fail "tabella-guardian ceremony does not say whom it waits for"; }
for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
BG_PIDS=()
record_entries "$URL2" | grep -q "election-key" && fail "an election key in case 2"
echo "PASS"
