#!/usr/bin/env bash
# The Tabella demo: a whole election on one machine, end to end, with real cryptography.
#   installs missing packages, builds the release preset (only the programs it needs), starts a
#   ledger on 127.0.0.1 (free port, temporary data dir) and runs ballots/demo-general.json:
#   authority key + election, 3 guardians (quorum 2) with concurrent key ceremonies, the joint
#   key, 2 kiosks, 200 voter tokens, polls open, 200 ballots through the voter simulator (3 of
#   them challenged first and opened), polls close, a tally with guardian 1 absent, the published
#   record and results, and tabella-verify re-checking everything.
# Usage: deploy/demo.sh [--keep]   (--keep: leave the ledger running for the kiosk window)
# Output: build/demo/ (replaced on every run). Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
VOTERS=${DEMO_VOTERS:-200}
OUT="$ROOT/build/demo"
BIN="${DEMO_BUILD_DIR:-$ROOT/build/release}"  # DEMO_BUILD_DIR: use an existing build, skip step 1

LEDGER_PID=""
BG=()
cleanup() {
  local rc=$?
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$LEDGER_PID" ] && { [ "$KEEP" = 0 ] || [ "$rc" != 0 ]; }; then
    kill "$LEDGER_PID" 2>/dev/null || true
    wait "$LEDGER_PID" 2>/dev/null || true
  fi
  [ "$rc" = 0 ] || echo "demo: FAILED (exit $rc); logs in $OUT" >&2
}
trap cleanup EXIT

T0=$(date +%s.%N)
STEP_T=$T0
step() {
  local now; now=$(date +%s.%N)
  printf '\n\033[1m== %s\033[0m\n' "$*"
  STEP_T=$now
}
took() { printf '   (%.1fs)\n' "$(awk -v a="$(date +%s.%N)" -v b="$STEP_T" "BEGIN{print a-b}")"; }
field() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

step "1. Packages and build (release preset)"
if [ -z "${DEMO_BUILD_DIR:-}" ]; then
  deploy/install-deps.sh
  mkdir -p "$ROOT/build"
  cmake --preset release > "$ROOT/build/demo-configure.log" 2>&1 ||
    { cat "$ROOT/build/demo-configure.log"; exit 1; }
  cmake --build --preset release --target tabella-ledger tabella-admin tabella-guardian \
    tabella-voters tabella-verify
else
  echo "   using the existing build in $BIN"
fi
took

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
ADMIN_BIN="$BIN/client/admin/tabella-admin"
GUARDIAN_BIN="$BIN/client/guardian/tabella-guardian"
BALLOT="$ROOT/ballots/demo-general.json"
ORIGIN=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['origin'])" "$BALLOT")

step "2. The election authority creates its signing key"
"$ADMIN_BIN" --key authority.key keygen --json > authority.json
AUTH=$(field authority.json public_key)
echo "   authority key $AUTH (fingerprint $(field authority.json fingerprint))"
took

step "3. The ledger starts on 127.0.0.1 (free port), trusting only that authority"
"$BIN/server/tabella-ledger" --data-dir "$OUT/ledger-data" --origin "$ORIGIN" \
  --authority-key "$AUTH" --listen 127.0.0.1:0 > ledger.out 2> ledger.log &
LEDGER_PID=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' ledger.out 2>/dev/null && break
  kill -0 "$LEDGER_PID" 2>/dev/null || { cat ledger.log; exit 1; }
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' ledger.out | head -1)
[ -n "$URL" ] || { echo "the ledger did not start"; cat ledger.log; exit 1; }
echo "   ledger at $URL (pid $LEDGER_PID, data in $OUT/ledger-data)"
ADMIN=("$ADMIN_BIN" --ledger "$URL" --key authority.key)
took

step "4. The official defines the election from $BALLOT"
"${ADMIN[@]}" init --ballot "$BALLOT" | sed 's/^/   /'
took

step "5. Three guardians make keys, are enrolled, and run the key ceremony together"
for i in 1 2 3; do
  "$GUARDIAN_BIN" --index "$i" --key "guardian-$i.key" keygen --json > "guardian-$i.json"
  "${ADMIN[@]}" guardians add --index "$i" --name "Guardian $i" \
    --public-key "$(field "guardian-$i.json" public_key)" | sed 's/^/   /'
done
for i in 1 2 3; do
  "$GUARDIAN_BIN" --ledger "$URL" --index "$i" --key "guardian-$i.key" --state "guardian-$i.state" \
    --timeout 300 --poll-interval-ms 200 ceremony > "ceremony-$i.log" 2>&1 &
  BG+=($!)
done
for p in "${BG[@]}"; do wait "$p" || { cat ceremony-*.log; exit 1; }; done
BG=()
grep -h "ceremony complete" ceremony-*.log | sed 's/^/   /'
took

step "6. The joint election key is published"
"${ADMIN[@]}" key publish | sed 's/^/   /'
took

step "7. Two kiosks are enrolled (fingerprints checked), $VOTERS voter tokens issued, polls open"
for k in 1 2; do
  "$BIN/client/tools/tabella-voters" keygen --out "kiosk-$k.key" --json > "kiosk-$k.json"
  "${ADMIN[@]}" kiosks enrol --public-key "$(field "kiosk-$k.json" public_key)" \
    --expect-fingerprint "$(field "kiosk-$k.json" fingerprint)" --name "kiosk-$k" \
    --precinct "P-01" | sed 's/^/   /'
done
"${ADMIN[@]}" tokens issue --count "$VOTERS" --precinct P-01 --out tokens | sed 's/^/   /'
"${ADMIN[@]}" polls open | sed 's/^/   /'
took

step "8. $VOTERS voters vote at the two kiosks (3 challenge a ballot first and see it opened)"
"$BIN/client/tools/tabella-voters" run --ledger "$URL" --kiosk-key kiosk-1.key \
  --kiosk-key kiosk-2.key --tokens tokens/tokens.csv --count "$VOTERS" --challenge 3 | sed 's/^/   /'
took

step "9. Polls close"
"${ADMIN[@]}" polls close | sed 's/^/   /'
took

step "10. Tally: guardians 2 and 3 decrypt, guardian 1 is absent (quorum 2 of 3)"
"${ADMIN[@]}" tally --timeout 300 --poll-interval-ms 200 > tally.log 2>&1 &
TALLY=$!
BG+=($TALLY)
for i in 2 3; do
  "$GUARDIAN_BIN" --ledger "$URL" --index "$i" --key "guardian-$i.key" --state "guardian-$i.state" \
    --timeout 300 --poll-interval-ms 200 decrypt > "decrypt-$i.log" 2>&1 &
  BG+=($!)
done
for p in "${BG[@]}"; do wait "$p" || { cat tally.log decrypt-*.log; exit 1; }; done
BG=()
grep -h "posted" decrypt-*.log | sed 's/^/   /'
grep -E "published" tally.log | sed 's/^/   /'
took

step "11. The official publishes the record and the results"
"${ADMIN[@]}" publish published > publish.log 2>&1 || { cat publish.log; exit 1; }
sed 's/^/   /' published/results.txt
took

step "12. Anyone re-checks the whole election with tabella-verify"
"$BIN/client/verify/tabella-verify" published/record.jsonl > published/verify.txt ||
  { cat published/verify.txt; exit 1; }
grep -E '^\[|^Record|^Election' published/verify.txt | sed 's/^/   /' | head -30
took

printf '\n\033[1mDemo complete in %.0fs.\033[0m\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" "BEGIN{print a-b}")"
echo "  record:   $OUT/published/record.jsonl"
echo "  results:  $OUT/published/results.txt  $OUT/published/results.html"
echo "  report:   $OUT/published/verify.txt"
echo "  tokens:   $OUT/tokens/tokens.pdf (printable voter slips)"
if [ "$KEEP" = 1 ]; then
  echo
  echo "The ledger is still running at $URL (pid $LEDGER_PID). Look around:"
  echo "  $ADMIN_BIN --ledger $URL status"
  echo "  curl $URL/v1/status"
  echo "Open a kiosk window against it (the election is finished, so start a new one to vote):"
  echo "  tabella-kiosk --ledger $URL --key <enrolled kiosk key>"
  echo "Stop it with: kill $LEDGER_PID"
fi
