#!/usr/bin/env bash
# End-to-end test: a whole election through the real binaries and the real ledger server —
# authority key, init, 3 guardians (quorum 2) with concurrent key ceremonies, key publish,
# 2 kiosks, tokens, polls, ballots (some challenged) through tabella-voters, polls close, a tally
# with one guardian absent, publish, and tabella-verify on the published record. The published
# counts must equal the plaintext totals the voter simulator cast. Error paths: a wrong authority
# key, issuing tokens after close, a tally below quorum, a second election on the same ledger,
# another guardian's state file, risky actions without --force. Every step run twice succeeds
# the second time and says "already done at index N".
#
# Before the real election, the logic and accuracy test as docs/admin-guide.md describes it: a
# test deck, the test election (init --test) on a ledger of its own served over TLS, the deck
# cast, tallied, published and compared (PASS per contest); the test record is marked TEST and
# fails the real election's --expect-q.
#
# The guide and this script are kept in lock-step: every tabella-* command is run through a
# wrapper that logs its arguments, and guide_commands.py checks at the end that each command of
# docs/admin-guide.md was run here (same program and subcommand, its options a subset).
#
# Usage: lifecycle.sh BIN_DIR SOURCE_DIR   (BIN_DIR holds tabella-ledger, tabella-admin, ...)
set -euo pipefail
REAL_BIN="$1"
SRC="$2"
BALLOTS=${E2E_BALLOTS:-10}
CHALLENGED=${E2E_CHALLENGED:-2}

source "$SRC/tests/e2e/harness.sh"
e2e_setup e2e
LEDGER2_PID=""  # the test election's ledger; stopped on exit by the harness too

# The programs, through wrappers that log every invocation (one line, arguments separated by
# the byte 0x1f) for the guide check.
BIN="$WORK/bin"
mkdir -p "$BIN"
for p in "$REAL_BIN"/tabella-*; do
  cat > "$BIN/$(basename "$p")" <<WRAP
#!/usr/bin/env bash
line="$(basename "$p")"
for a in "\$@"; do line+=\$'\\x1f'"\$a"; done
printf '%s\\n' "\$line" >> "$WORK/commands.log"
exec "$p" "\$@"
WRAP
  chmod +x "$BIN/$(basename "$p")"
done

# expect_failure "what" "regex the message must match" cmd...
expect_failure() {
  local what="$1" pattern="$2"; shift 2
  local out
  if out=$("$@" 2>&1); then fail "$what: succeeded but should have failed"; fi
  grep -Eq "$pattern" <<< "$out" || fail "$what: message '$out' does not match /$pattern/"
  echo "   refused as expected: $(echo "$out" | head -1)"
}
# expect_again "what" cmd...: a step repeated succeeds and says where it was done.
expect_again() {
  local what="$1"; shift
  local out
  out=$("$@" 2>&1) || fail "$what: a repeated step failed: $out"
  grep -Eq "already done at index [0-9]+" <<< "$out" || fail "$what: no 'already done': $out"
  echo "   repeated: $(echo "$out" | head -1)"
}

ADMIN=("$BIN/tabella-admin")
BALLOT="$SRC/ballots/demo-general.json"
ORIGIN=$(tb_origin "$BALLOT")

step "authority key"
"$BIN/tabella-admin" --key authority.key keygen --json > keygen.json
AUTH=$(jget "keygen.json" public_key)
[ "$(stat -c %a authority.key)" = 600 ] || fail "authority key is not 0600"
expect_failure "keygen over an existing key" "already exists" "$BIN/tabella-admin" --key authority.key keygen

# wait_listening OUTFILE PID: the URL the ledger prints once it listens.
wait_listening() { tb_wait_listening "$1" "$2" 10 || fail "tabella-ledger did not start"; }
# polls_open_args BALLOT: --force when the ballot's end date has passed (the demo's may have).
polls_open_args() {
  if [ "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \> "$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['end'])" "$1")" ]; then
    echo --force
  fi
}

step "guardian and kiosk keys (the same for the test election and the real one)"
tb_guardian_keys "$BIN/tabella-guardian" g%s "1 2 3"
for k in 1 2; do
  "$BIN/tabella-voters" keygen --out "kiosk$k.key" --json > "kiosk$k.json"
done

step "logic and accuracy test: the test deck"
"$BIN/tabella-admin" test-deck --ballot "$BALLOT" --out deck
head -c 5 deck/test-deck.pdf | grep -q '%PDF' || fail "test-deck.pdf is not a PDF"
DECK_N=$(python3 -c "import json;print(len(json.load(open('deck/test-deck.json'))['ballots']))")
echo "   $DECK_N test ballots"

step "logic and accuracy test: the test election on its own ledger, over TLS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout ledger-tls.key -out ledger-tls.crt 2> /dev/null
TEST_ORIGIN="$ORIGIN/test"
"$BIN/tabella-ledger" --data-dir test-ledger --origin "$TEST_ORIGIN" --authority-key "$AUTH" \
  --listen 127.0.0.1:0 --tls-cert ledger-tls.crt --tls-key ledger-tls.key \
  --checkpoint-interval 250ms > test-ledger.out 2> test-ledger.err &
LEDGER2_PID=$!
TURL=$(wait_listening test-ledger.out "$LEDGER2_PID")
case "$TURL" in https://*) echo "   $TURL" ;; *) fail "the test ledger does not serve https: '$TURL'" ;; esac
# The clients trust the ledger's own certificate (not from a public CA) through OpenSSL's
# SSL_CERT_FILE.
export SSL_CERT_FILE="$WORK/ledger-tls.crt"
T=("$BIN/tabella-admin" --ledger "$TURL" --key authority.key --view authority-test.view)
"${T[@]}" init --test --ballot "$BALLOT" | tee test-init.out
grep -q "^TEST election defined" test-init.out || fail "init --test does not say TEST"
grep -q "origin: $TEST_ORIGIN" test-init.out || fail "the test origin"
TEST_Q=$(sed -n 's/^  Q = //p' test-init.out)
for i in 1 2 3; do
  "${T[@]}" guardians add --index "$i" --name "Guardian $i" --public-key "$(jget "g$i.json" public_key)" \
    --expect-fingerprint "$(jget "g$i.json" fingerprint)" > /dev/null
done
tb_guardians_start "$BIN/tabella-guardian" "$TURL" g%s g%s-test.state test-ceremony%s.log "1 2 3" \
  --timeout 120 --poll-interval-ms 200 ceremony
tb_guardians_wait || fail "a test ceremony failed"
"${T[@]}" key publish > /dev/null
"${T[@]}" kiosks enrol --public-key "$(jget kiosk1.json public_key)" \
  --expect-fingerprint "$(jget kiosk1.json fingerprint)" --name kiosk-1 --precinct P1 > /dev/null
# A kiosk set up as docs/kiosk.md says (when the kiosk is built): configuration, PIN, key; it is
# enrolled in the test election (it casts nothing here: tests/e2e/kiosk.sh votes through it).
if [ -x "$REAL_BIN/tabella-kiosk" ]; then
  mkdir -p qkiosk
  K=("$BIN/tabella-kiosk" --config "$WORK/qkiosk/kiosk.conf")
  "${K[@]}" --ledger "$TURL" --data-dir "$WORK/qkiosk" --init-config > /dev/null
  echo 2468 | "${K[@]}" --set-pin > /dev/null
  "${K[@]}" --enrol > qkiosk-enrol.out
  "${T[@]}" kiosks enrol --public-key "$(sed -n 's/^Public key: //p' qkiosk-enrol.out)" \
    --expect-fingerprint "$(sed -n 's/^Fingerprint: //p' qkiosk-enrol.out)" --name kiosk-q --precinct P1 > /dev/null
fi
"${T[@]}" tokens issue --count "$DECK_N" --precinct P1 --out test-tokens > /dev/null
"${T[@]}" polls open $(polls_open_args "$BALLOT") > /dev/null
"$BIN/tabella-voters" run --ledger "$TURL" --kiosk-key kiosk1.key --tokens test-tokens/tokens.csv \
  --deck deck/test-deck.json --json > test-voters.json || { cat test-voters.json; fail "casting the deck"; }
"${T[@]}" polls close > /dev/null
tb_guardians_start "$BIN/tabella-guardian" "$TURL" g%s g%s-test.state test-decrypt%s.log "1 2" \
  --timeout 120 --poll-interval-ms 200 decrypt --yes
"${T[@]}" tally --timeout 120 --poll-interval-ms 200 > /dev/null || fail "the test tally"
tb_guardians_wait || fail "a test decryption failed"
BG_PIDS=()
"${T[@]}" publish test-published > /dev/null
"$BIN/tabella-admin" test-deck check --deck deck/test-deck.json --record test-published/record.jsonl \
  | tee test-check.out || fail "the test deck's check failed"
[ "$(grep -c '^PASS  ' test-check.out)" = 4 ] || fail "not PASS for the ballots and each of 3 contests"
grep -q "^TEST ELECTION" test-published/results.txt || fail "results.txt does not say TEST"
grep -q "^TEST ELECTION" test-published/verify-report.txt || fail "the verifier report does not say TEST"
python3 -c "import json;assert json.load(open('test-published/results-nist-1500-100.json'))['IsTest'] is True" \
  || fail "the NIST export does not say IsTest"
kill "$LEDGER2_PID"; wait "$LEDGER2_PID" 2>/dev/null || true; LEDGER2_PID=""
unset SSL_CERT_FILE

step "start tabella-ledger on an ephemeral port"
"$BIN/tabella-ledger" --data-dir ledger --origin "$ORIGIN" --authority-key "$AUTH" \
  --listen 127.0.0.1:0 --checkpoint-interval 250ms > ledger.out 2> ledger.err &
LEDGER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' ledger.out 2>/dev/null && break
  kill -0 "$LEDGER_PID" 2>/dev/null || fail "tabella-ledger exited"
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' ledger.out | head -1)
[ -n "$URL" ] || fail "tabella-ledger did not print its URL"
echo "   $URL"
A=("$BIN/tabella-admin" --ledger "$URL" --key authority.key)

step "wrong authority key"
"$BIN/tabella-admin" --key other.key keygen > /dev/null
expect_failure "init with a key the ledger does not know" "permission|author|401|403" \
  "$BIN/tabella-admin" --ledger "$URL" --key other.key init --ballot "$BALLOT"

step "init (the real election starts clean: its own ledger, origin and view state file)"
"${A[@]}" init --ballot "$BALLOT" | tee init.out
REAL_Q=$(sed -n 's/^  Q = //p' init.out)
[ -n "$REAL_Q" ] && [ "$REAL_Q" != "$TEST_Q" ] || fail "the test election's Q must differ from the real one's"
grep -q TEST init.out && fail "the real election says TEST"
expect_again "init repeated" "${A[@]}" init --ballot "$BALLOT"
python3 -c "
import json,sys; m=json.load(open(sys.argv[1])); m['election_id']='other-election'
m['title']={'en':'Another election','es':'Otra elección'}; json.dump(m, open('other.json','w'))" "$BALLOT"
expect_failure "a second election on the same ledger" \
  "this ledger already holds election demo-general-2026 \(.*\); a ledger serves one election" \
  "${A[@]}" init --ballot other.json
expect_failure "guardian enrolment signed by another key" "wrong authority key" \
  "$BIN/tabella-admin" --ledger "$URL" --key other.key guardians add --index 1 --name x \
  --public-key "$AUTH"

step "guardians: keygen, enrol, concurrent ceremonies"
for i in 1 2 3; do
  pk=$(jget "g$i.json" public_key)
  fp=$(jget "g$i.json" fingerprint)
  if [ "$i" = 1 ]; then
    expect_failure "guardian with a wrong fingerprint" "fingerprint mismatch" "${A[@]}" guardians add \
      --index 1 --name "Guardian 1" --public-key "$pk" --expect-fingerprint AAAA-AAAA-AAAA-AAAA
  fi
  "${A[@]}" guardians add --index "$i" --name "Guardian $i" --public-key "$pk" --expect-fingerprint "$fp"
done
expect_again "guardians add repeated" "${A[@]}" guardians add --index 3 --name "Guardian 3" --public-key "$pk"
expect_failure "another key for an enrolled guardian" "guardian 1 is already enrolled .* with another key" \
  "${A[@]}" guardians add --index 1 --name "Guardian 1" --public-key "$pk"
expect_failure "key publish before the ceremony" "not complete" "${A[@]}" key publish
tb_guardians_start "$BIN/tabella-guardian" "$URL" g%s g%s.state ceremony%s.log "1 2 3" \
  --timeout 120 --poll-interval-ms 200 ceremony
tb_guardians_wait || fail "a ceremony failed"
for i in 1 2 3; do
  [ "$(stat -c %a "g$i.state")" = 600 ] || fail "guardian state file is not 0600"
done
grep -h "complete" ceremony*.log

step "key publish, kiosks, tokens, polls open"
"${A[@]}" key publish
expect_again "key publish repeated" "${A[@]}" key publish
expect_failure "tally before the polls were ever opened" "cannot tally \(phase keyed\): the polls were never opened" \
  "${A[@]}" tally --timeout 1
expect_failure "polls open with no kiosk" "no kiosk is enrolled.*--force" "${A[@]}" polls open
for k in 1 2; do
  pk=$(jget "kiosk$k.json" public_key)
  fp=$(jget "kiosk$k.json" fingerprint)
  if [ "$k" = 1 ]; then
    expect_failure "enrol with a wrong fingerprint" "fingerprint mismatch" "${A[@]}" kiosks enrol \
      --public-key "$pk" --expect-fingerprint AAAA-AAAA-AAAA-AAAA --name x --precinct p
  fi
  "${A[@]}" kiosks enrol --public-key "$pk" --expect-fingerprint "$fp" --name "kiosk-$k" --precinct P1
done
expect_again "kiosks enrol repeated" "${A[@]}" kiosks enrol --public-key "$pk" --name kiosk-2 --precinct P1
"$BIN/tabella-voters" keygen --out kiosk3.key --json > kiosk3.json
pk3=$(jget "kiosk3.json" public_key)
"${A[@]}" kiosks enrol --public-key "$pk3" --name "kiosk-3" --precinct P2
"${A[@]}" kiosks revoke --public-key "$pk3" --reason "test of a revocation"
expect_again "kiosks revoke repeated" "${A[@]}" kiosks revoke --public-key "$pk3"
expect_failure "tokens for a precinct no kiosk serves" "no enrolled kiosk serves precinct 'P2'.*--force" \
  "${A[@]}" tokens issue --count 1 --precinct P2 --out tokens-p2
"${A[@]}" tokens issue --count $((BALLOTS + 2)) --precinct P1 --out tokens
expect_again "tokens issue repeated over the same --out" \
  "${A[@]}" tokens issue --count $((BALLOTS + 2)) --precinct P1 --out tokens
[ "$(stat -c %a tokens/tokens.csv)" = 600 ] || fail "tokens.csv is not 0600"
head -c 5 tokens/tokens.pdf | grep -q '%PDF' || fail "tokens.pdf is not a PDF"
[ "$(wc -l < tokens/tokens.csv)" = $((BALLOTS + 3)) ] || fail "tokens.csv has the wrong number of lines"
# The demo ballot's end date (2026-11-03T20:00:00Z) may be past: opening then needs --force.
if [ "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \> "$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['end'])" "$BALLOT")" ]; then
  expect_failure "polls open after the end date" "end date .* has passed.*--force" "${A[@]}" polls open
fi
"${A[@]}" polls open --force
expect_again "polls open repeated" "${A[@]}" polls open

step "ballots through tabella-voters"
"$BIN/tabella-voters" run --ledger "$URL" --kiosk-key kiosk1.key --kiosk-key kiosk2.key \
  --tokens tokens/tokens.csv --count "$BALLOTS" --challenge "$CHALLENGED" --json > voters.json \
  || { cat voters.json; fail "voter simulator failed"; }
python3 - <<'PY' || fail "voter simulator totals"
import json
v = json.load(open("voters.json"))
assert v["ok"] and v["errors"] == [], v
print("   %d cast, %d challenged, %.1f ballots/s" % (v["cast"], v["challenged"], v["ballots_per_second"]))
PY
expect_failure "a test deck cast in the real election" "cast only in its test election" \
  "$BIN/tabella-voters" run --ledger "$URL" --kiosk-key kiosk1.key --tokens tokens/tokens.csv \
  --deck deck/test-deck.json
expect_failure "a spent token" "spent" "$BIN/tabella-voters" run --ledger "$URL" \
  --kiosk-key kiosk1.key --tokens tokens/tokens.csv --count 1

step "polls close (twice), tokens after close"
"${A[@]}" polls close
expect_again "polls close repeated" "${A[@]}" polls close
expect_failure "tokens after close" "closed" "${A[@]}" tokens issue --count 1 --precinct P1 --out tokens2

echo "not the passphrase" > wrong.pass
expect_failure "decrypt with a wrong passphrase" "wrong passphrase" \
  "$BIN/tabella-guardian" --ledger "$URL" --index 2 --key g2.key --state g2.state \
  --passphrase-file wrong.pass decrypt
expect_failure "decrypt without a passphrase and no terminal" "needs a passphrase" \
  "$BIN/tabella-guardian" --ledger "$URL" --index 2 --key g2.key --state g2.state decrypt < /dev/null

expect_failure "another guardian's state file" "this is guardian 3's state file, not guardian 2's" \
  "$BIN/tabella-guardian" --ledger "$URL" --index 2 --key g2.key --state g3.state \
  --passphrase-file g3.pass decrypt --yes

step "tally below quorum (only guardian 2 decrypts)"
"$BIN/tabella-guardian" --ledger "$URL" --index 2 --key g2.key --state g2.state --passphrase-file g2.pass --timeout 60 \
  --poll-interval-ms 200 decrypt --yes &
BG_PIDS+=($!)
sleep 0.5
expect_failure "tally with 1 of 2 partial decryptions" "below quorum.*1 partial decryption present \(guardian 2\), the quorum is 2" \
  "${A[@]}" tally --timeout 3 --poll-interval-ms 200
wait "${BG_PIDS[0]}" || fail "guardian 2 decrypt failed"
BG_PIDS=()

step "a guardian state file from another election's ceremony is caught before anything is posted"
# A one-guardian election on a second ledger, where guardian 1 (same signing key) runs a ceremony.
python3 -c "
import json,sys; m=json.load(open(sys.argv[1])); m['election_id']='other-1'; m['origin']='tabella.example/other-1'
m['guardians']={'count':1,'quorum':1}; json.dump(m, open('other-1.json','w'))" "$BALLOT"
"$BIN/tabella-admin" --key other-1.key keygen --json > other-1-key.json
"$BIN/tabella-ledger" --data-dir ledger2 --origin tabella.example/other-1 --listen 127.0.0.1:0 \
  --authority-key "$(jget "other-1-key.json" public_key)" \
  --checkpoint-interval 250ms > ledger2.out 2> ledger2.err &
LEDGER2_PID=$!
for _ in $(seq 1 100); do grep -q '^listening on ' ledger2.out 2>/dev/null && break; sleep 0.1; done
URL2=$(sed -n 's/^listening on //p' ledger2.out | head -1)
[ -n "$URL2" ] || fail "the second tabella-ledger did not start"
"$BIN/tabella-admin" --ledger "$URL2" --key other-1.key init --ballot other-1.json > /dev/null
"$BIN/tabella-admin" --ledger "$URL2" --key other-1.key guardians add --index 1 --name "Guardian 1" \
  --public-key "$(jget "g1.json" public_key)" > /dev/null
"$BIN/tabella-guardian" --ledger "$URL2" --index 1 --key g1.key --state other-1-g1.state \
  --passphrase-file g1.pass --timeout 60 --poll-interval-ms 200 ceremony > other-1-ceremony.log 2>&1 \
  || { cat other-1-ceremony.log; fail "the second election's ceremony"; }
kill "$LEDGER2_PID"; wait "$LEDGER2_PID" 2>/dev/null || true; LEDGER2_PID=""
expect_failure "another election's state file" "share of another key ceremony.*does not match guardian 1's public share key" \
  "$BIN/tabella-guardian" --ledger "$URL" --index 1 --key g1.key --state other-1-g1.state --view g1.view \
  --passphrase-file g1.pass --timeout 5 decrypt --yes

step "decrypt asks first: shows the tally it would decrypt, posts nothing unless confirmed"
out=$(echo no | "$BIN/tabella-guardian" --ledger "$URL" --index 3 --key g3.key --state g3.state --passphrase-file g3.pass \
  --timeout 60 decrypt 2>&1) && fail "decrypt without confirmation succeeded"
grep -q "cast ballots:   $BALLOTS " <<< "$out" || fail "decrypt does not show the cast ballots: $out"
grep -q "polls closed:   entry [0-9]*; tree head size" <<< "$out" || fail "no polls-close tree head: $out"
grep -q "signed by the ledger (the election names no witnesses)" <<< "$out" || fail "no witness line: $out"
grep -q "not confirmed; nothing was posted" <<< "$out" || fail "refusal message: $out"
echo "   refused as expected: not confirmed"
[ -s g3.view ] && [ -s authority.view ] || fail "the view state files were not written"

step "tally with guardians 2 and 3 (guardian 1 absent)"
"$BIN/tabella-guardian" --ledger "$URL" --index 3 --key g3.key --state g3.state --passphrase-file g3.pass --timeout 60 decrypt --yes
"${A[@]}" --json tally --timeout 60 --poll-interval-ms 200 > tally.json || { cat tally.json; fail "tally"; }
python3 - <<'PY' || fail "published counts differ from what the voters cast"
import json
t = json.load(open("tally.json")); v = json.load(open("voters.json"))
assert t["guardians"] == [2, 3], t["guardians"]
assert t["cast_count"] == v["cast"], (t["cast_count"], v["cast"])
for contest, per in v["counts"].items():
    for choice, n in per.items():
        assert t["counts"][contest][choice] == n, (contest, choice, t["counts"][contest][choice], n)
print("   result matches the %d plaintext ballots" % v["cast"])
PY

step "status, publish, tabella-verify"
"${A[@]}" status
"${A[@]}" --cosign-wait 60 publish published
for f in record.jsonl results.txt results.html results.csv results-nist-1500-100.json canvass-report.pdf; do
  [ -s "published/$f" ] || fail "published/$f missing"
done
head -c 5 published/canvass-report.pdf | grep -q '%PDF' || fail "canvass-report.pdf is not a PDF"
python3 - "$BALLOT" <<'PY2' || fail "the published results files"
import csv, json, re, sys
v = json.load(open("voters.json"))
m = json.load(open(sys.argv[1]))
langs = m["languages"]
cast = {c: {ch: n for ch, n in per.items()} for c, per in v["counts"].items()}
choices = {c["id"]: c for c in m["contests"]}

# results.csv: one row per contest and choice, counts equal what the voters cast.
rows = list(csv.DictReader(open("published/results.csv", newline="")))
assert len(rows) == sum(len(c["choices"]) for c in m["contests"]), len(rows)
for r in rows:
    assert int(r["votes"]) == cast[r["contest_id"]][r["choice_id"]], r
    assert int(r["ballots_cast"]) == v["cast"] and r["overvotes"] == "0", r
    for l in langs:
        assert r["choice_label_" + l], (l, r)
for cid, c in choices.items():
    seats = c.get("max", 1) if c["kind"] == "candidate" else 1
    marks = sum(cast[cid].values())
    mine = [r for r in rows if r["contest_id"] == cid]
    assert all(int(r["undervotes"]) == c.get("max", 1) * v["cast"] - marks for r in mine), cid
    counts = sorted(cast[cid].values(), reverse=True)
    winners = [r["choice_id"] for r in mine if r["outcome"] == "winner"]
    tied = [r["choice_id"] for r in mine if r["outcome"] == "tie"]
    if not tied:  # a clear result: the top `seats` choices with votes
        assert len(winners) == min(seats, len([n for n in counts if n > 0])), (cid, winners)
        assert all(cast[cid][w] >= counts[min(seats, len(counts)) - 1] for w in winners), cid

# NIST SP 1500-100 v2 JSON: the structure its schema requires, the same counts.
d = json.load(open("published/results-nist-1500-100.json"))
def need(o, keys, what):
    missing = [k for k in keys if k not in o]
    assert not missing, (what, missing)
need(d, ["@type", "Format", "GeneratedDate", "Issuer", "IssuerAbbreviation", "SequenceEnd",
         "SequenceStart", "Status", "VendorApplicationId", "Election", "GpUnit"], "ElectionReport")
assert d["@type"] == "ElectionResults.ElectionReport" and d["Format"] in ("summary-contest", "precinct-level")
assert d["Status"] in ("certified", "correction", "pre-election", "recount", "unofficial-complete", "unofficial-partial")
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["GeneratedDate"])
units = {u["@id"]: u for u in d["GpUnit"]}
for u in d["GpUnit"]:
    assert u["@type"] in ("ElectionResults.ReportingUnit", "ElectionResults.ReportingDevice"), u
    if u["@type"] == "ElectionResults.ReportingUnit": need(u, ["Type", "@id"], "ReportingUnit")
    for sub in u.get("ComposingGpUnitIds", []): assert sub in units, sub
devices = [u for u in d["GpUnit"] if u["@type"] == "ElectionResults.ReportingDevice"]
assert len(devices) == 3 and sum(u["SummaryCounts"][0]["BallotsCast"] for u in devices) == v["cast"]
e = d["Election"][0]
need(e, ["@type", "ElectionScopeId", "EndDate", "Name", "StartDate", "Type", "Contest"], "Election")
assert e["ElectionScopeId"] in units
assert {t["Language"] for t in e["Name"]["Text"]} == set(langs), e["Name"]
cands = {c["@id"]: c for c in e.get("Candidate", [])}
for c in cands.values(): need(c, ["BallotName", "@id"], "Candidate")
parties = {p["@id"] for p in d.get("Party", [])}
for c in cands.values(): assert "PartyId" not in c or c["PartyId"] in parties, c
assert len(e["Contest"]) == len(m["contests"])
for con in e["Contest"]:
    need(con, ["@type", "@id", "Name", "ElectoralDistrictId", "BallotSelection"], "Contest")
    assert con["ElectoralDistrictId"] in units
    cid = con["@id"][len("contest-"):]
    if choices[cid]["kind"] == "referendum":
        assert con["@type"] == "ElectionResults.BallotMeasureContest", con["@type"]
    else:
        assert con["@type"] == "ElectionResults.CandidateContest", con["@type"]
        need(con, ["VotesAllowed"], "CandidateContest")
        assert con["VotesAllowed"] == choices[cid].get("max", 1)
    assert con["SummaryCounts"][0]["BallotsCast"] == v["cast"] and con["SummaryCounts"][0]["Overvotes"] == 0
    for sel in con["BallotSelection"]:
        need(sel, ["@id", "@type", "VoteCounts"], "ContestSelection")
        if sel["@type"] == "ElectionResults.CandidateSelection":
            assert sel["CandidateIds"] and all(i in cands for i in sel["CandidateIds"]), sel
            choice = sel["CandidateIds"][0][len("cand-" + cid + "-"):]
        else:
            assert sel["@type"] == "ElectionResults.BallotMeasureSelection", sel["@type"]
            need(sel, ["Selection"], "BallotMeasureSelection")
            choice = sel["@id"][len("sel-" + cid + "-"):]
        vc = sel["VoteCounts"][0]
        need(vc, ["Count", "Type"], "VoteCounts")
        assert vc["Type"] == "total" and vc["Count"] == cast[cid][choice], (cid, choice, vc)

# results.html: self-contained, charts, both languages, the election's identity.
h = open("published/results.html", encoding="utf-8").read()
assert h.count("<svg") >= len(m["contests"]) + 1, "a chart per contest and per kiosk"
assert not re.search(r'<(script|link|img)\b|src=', h), "results.html loads something"
q = next(i["Value"] for i in e["ExternalIdentifier"] if i["OtherType"] == "tabella-election-hash-q")
root = next(i["Value"] for i in e["ExternalIdentifier"] if i["OtherType"] == "tabella-final-checkpoint-root")
fpr = next(i["Value"] for i in e["ExternalIdentifier"] if i["OtherType"] == "tabella-authority-fingerprint")
for needle in (q, root, fpr, m["title"]["en"], m["title"]["es"], "Over-votes", "Under-votes", "kiosk-1"):
    assert needle in h, needle
print("   results.csv, results-nist-1500-100.json and results.html match the %d ballots cast" % v["cast"])
PY2
"$BIN/tabella-verify" --expect-authority "$(jget keygen.json fingerprint)" --expect-q "$REAL_Q" \
  published/record.jsonl > verify.out || { cat verify.out; fail "tabella-verify rejected the record"; }
tail -3 verify.out

step "a test record never passes for the real election"
expect_failure "the test record pinned to the real election's Q" "the election's Q is $TEST_Q, not the expected $REAL_Q" \
  "$BIN/tabella-verify" --expect-q "$REAL_Q" test-published/record.jsonl
expect_failure "the real record checked as a test election" "not of a test election" \
  "$BIN/tabella-admin" test-deck check --deck deck/test-deck.json --record published/record.jsonl

step "a tampered record fails tabella-verify"
python3 - <<'PY'
import json, base64
lines = open("published/record.jsonl").read().splitlines()
for i, l in enumerate(lines):
    o = json.loads(l)
    if o.get("type") == "cast-ballot":
        b = bytearray(base64.b64decode(o["entry"])); b[-70] ^= 1
        o["entry"] = base64.b64encode(bytes(b)).decode(); lines[i] = json.dumps(o); break
open("tampered.jsonl", "w").write("\n".join(lines) + "\n")
PY
if "$BIN/tabella-verify" tampered.jsonl > tampered.out 2>&1; then fail "tampered record verified"; fi
echo "   tampered record rejected"

step "every command of docs/admin-guide.md was run above"
SKIP=()
[ -x "$REAL_BIN/tabella-kiosk" ] || SKIP=(--skip-program tabella-kiosk)
python3 "$SRC/tests/e2e/guide_commands.py" "${SKIP[@]}" "$SRC/docs/admin-guide.md" commands.log \
  || fail "docs/admin-guide.md and this test are out of step"
echo "PASS"
