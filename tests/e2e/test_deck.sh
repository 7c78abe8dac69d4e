#!/usr/bin/env bash
# A logic and accuracy test that must FAIL, through the real binaries and a real ledger: the
# demo election's test deck is cast in its test election with one ballot altered in the mayor
# contest (one vote moved to another candidate); `tabella-admin test-deck check` must exit 1,
# say FAIL for the mayor contest with the two choices that differ, and PASS for the number of
# ballots and every other contest. (One guardian, to keep the run short.)
#
# Usage: test_deck.sh BIN_DIR SOURCE_DIR
set -euo pipefail
BIN="$1"
SRC="$2"
source "$SRC/tests/e2e/harness.sh"
e2e_setup deck

python3 -c "
import json,sys; m=json.load(open(sys.argv[1])); m['guardians']={'count':1,'quorum':1}
json.dump(m, open('ballot.json','w'))" "$SRC/ballots/demo-general.json"
ORIGIN="$(jget ballot.json origin)/test"

"$BIN/tabella-admin" --key authority.key keygen --json > key.json
"$BIN/tabella-admin" test-deck --ballot ballot.json --out deck > /dev/null
e2e_start_ledger --data-dir ledger --origin "$ORIGIN" --authority-key "$(jget key.json public_key)" \
  --listen 127.0.0.1:0 --checkpoint-interval 250ms
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key)
"${A[@]}" init --test --ballot ballot.json > /dev/null
"$BIN/tabella-guardian" --index 1 --key g1.key keygen --json > g1.json
(umask 077; echo "guardian passphrase" > g1.pass)
"${A[@]}" guardians add --index 1 --name "Guardian 1" --public-key "$(jget g1.json public_key)" > /dev/null
"$BIN/tabella-guardian" --ledger "$URL" --index 1 --key g1.key --state g1.state --passphrase-file g1.pass \
  --timeout 60 --poll-interval-ms 200 ceremony > ceremony.log 2>&1 || { cat ceremony.log; fail "ceremony"; }
"${A[@]}" key publish > /dev/null
"$BIN/tabella-voters" keygen --out kiosk.key --json > kiosk.json
"${A[@]}" kiosks enrol --public-key "$(jget kiosk.json public_key)" --name kiosk-1 --precinct P1 > /dev/null
N=$(python3 -c "import json;print(len(json.load(open('deck/test-deck.json'))['ballots']))")
"${A[@]}" tokens issue --count "$N" --precinct P1 --out tokens > /dev/null
"${A[@]}" polls open --force > /dev/null

# The altered deck: ballot 1's mayor vote moved to another candidate (its expected tally redone
# so that tabella-voters accepts it); the original deck stays the reference.
python3 - <<'PY'
import json
d = json.load(open("deck/test-deck.json"))
m = json.load(open("ballot.json"))
mayor = next(c for c in m["contests"] if c["id"] == "mayor")
ids = [c["id"] for c in mayor["choices"]]
first = d["ballots"][0]["choices"]["mayor"]
assert len(first) == 1, first
moved_to = next(i for i in ids if i != first[0])
d["ballots"][0]["choices"]["mayor"] = [moved_to]
counts = d["expected"]["counts"]["mayor"]
counts[first[0]] -= 1
counts[moved_to] += 1
json.dump(d, open("altered.json", "w"))
json.dump({"from": first[0], "to": moved_to}, open("moved.json", "w"))
PY
"$BIN/tabella-voters" run --ledger "$URL" --kiosk-key kiosk.key --tokens tokens/tokens.csv \
  --deck altered.json --json > voters.json || { cat voters.json; fail "casting the altered deck"; }
"${A[@]}" polls close > /dev/null
"$BIN/tabella-guardian" --ledger "$URL" --index 1 --key g1.key --state g1.state --passphrase-file g1.pass \
  --timeout 60 --poll-interval-ms 200 decrypt --yes > decrypt.log 2>&1 &
DEC=$!
"${A[@]}" tally --timeout 60 --poll-interval-ms 200 > /dev/null || fail "tally"
wait "$DEC" || { cat decrypt.log; fail "decrypt"; }
"${A[@]}" publish published > /dev/null || fail "publish"

set +e
"$BIN/tabella-admin" test-deck check --deck deck/test-deck.json --record published/record.jsonl > check.out 2>&1
rc=$?
set -e
cat check.out
[ "$rc" = 1 ] || fail "test-deck check exited $rc on an altered ballot, expected 1"
FROM=$(jget moved.json from); TO=$(jget moved.json to)
grep -q "^PASS  ballots cast: expected $N, counted $N" check.out || fail "ballots cast"
grep -q "^FAIL  mayor " check.out || fail "the mayor contest is not FAIL"
grep -q "choice $FROM: expected [0-9]*, counted [0-9]*" check.out || fail "choice $FROM not named"
grep -q "choice $TO: expected [0-9]*, counted [0-9]*" check.out || fail "choice $TO not named"
grep -q "^PASS  city-council " check.out || fail "city-council should PASS"
grep -q "^PASS  library-bond " check.out || fail "library-bond should PASS"
grep -q "FAILED: 1 of 3 contests differ" check.out || fail "the summary line"
# The JSON form says the same.
set +e
"$BIN/tabella-admin" --json test-deck check --deck deck/test-deck.json --record published/record.jsonl > check.json
set -e
python3 -c "
import json; j=json.load(open('check.json'))
assert j['pass'] is False and [c['pass'] for c in j['contests']] == [False, True, True], j" \
  || fail "the JSON report"
echo PASS
