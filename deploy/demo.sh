#!/usr/bin/env bash
# The Tabella demo: a whole election on one machine, end to end, with real cryptography.
#   installs missing packages, builds the release preset (only the programs it needs), starts a
#   ledger on 127.0.0.1 (free port, temporary data dir) followed by three independent witnesses
#   (tabella-witness; three organisations named in the election's manifest, quorum 2, so every
#   receipt and the published record carry their cosignatures) and runs ballots/demo-general.json
#   with those witnesses added (build/demo/election.json):
#   authority key + election, 3 guardians (quorum 2) with concurrent key ceremonies, the joint
#   key, 3 kiosks, 200 voter tokens, polls open; 190 ballots through the voter simulator on two
#   simulated kiosks (tabella-voters, client/lib's KioskClient; 3 challenged first and opened)
#   and 10 through the real kiosk program's own code path (tabella-kiosk --simulate-voters:
#   the Qt kiosk's view-model, queue and HTTP ledger client, headless, with its first-run key
#   enrolled by fingerprint; 1 challenged first), polls close, a tally with guardian 1 absent,
#   the published record and results (its final checkpoint covers every entry and carries the
#   witnesses' cosignatures), and tabella-verify re-checking everything.
# Usage: deploy/demo.sh [--keep] [--cluster] [--help]
#   --keep: stop after the voting, with the polls still open, the ledger running and 5 voter
#   tokens unused (build/demo/tokens/unused.csv), and print the command that opens the kiosk
#   window against that ledger (poll-worker PIN 0000) and the commands that finish the election.
#   --cluster: the same election over 3 ledger nodes on a 3-member etcd (deploy/cluster.sh, free
#   ports, state in build/demo/cluster): witness i follows node i, one node at a time pushes the
#   checkpoints to all three and the others share its cosignatures; guardian i and kiosk i use node i, the official uses node 1 (n0);
#   node n0 (the appender) is killed with SIGKILL while kiosk 3 votes through n2 and restarted on
#   its data dir (deploy/cluster.sh kill-node 0, then restart-node 0): it must catch up and lose no
#   ballot; at the end every node must serve the same log.
# Output: build/demo/ (replaced on every run). Exits non-zero if any step fails. Leaves no
# process running (with --keep: only the ledger and its witnesses, whose pids it prints).
set -euo pipefail
# DEMO_BUILD_DIR and DEMO_OUT may be relative to where the demo was started.
for v in DEMO_BUILD_DIR DEMO_OUT; do
  if [ -n "${!v:-}" ] && [ "${!v#/}" = "${!v}" ]; then export "$v=$PWD/${!v}"; fi
done
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KEEP=0
CLUSTER=0
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1;;
    --cluster) CLUSTER=1;;
    -h|--help) source "$ROOT/deploy/lib/tabella.sh"; tb_usage "$ROOT/deploy/demo.sh"; exit 0;;
    *) echo "demo.sh: unknown option $arg (usage: deploy/demo.sh [--keep] [--cluster] [--help])" >&2; exit 2;;
  esac
done
VOTERS=${DEMO_VOTERS:-200}
KIOSK_VOTERS=$(( VOTERS >= 20 ? VOTERS / 20 : 1 ))  # through tabella-kiosk's own code path
SIM_VOTERS=$(( VOTERS - KIOSK_VOTERS ))              # through tabella-voters
SPARE_TOKENS=$(( KEEP ? 5 : 0 ))                      # --keep: left for the kiosk window
OUT="${DEMO_OUT:-$ROOT/build/demo}"  # DEMO_OUT: another output directory (tests)
BIN="${DEMO_BUILD_DIR:-$ROOT/build/release}"  # DEMO_BUILD_DIR: use an existing build, skip step 1

LEDGER_PID=""
WITNESS_PIDS=()
BG=()
cleanup() {
  local rc=$?
  for p in "${BG[@]}" "${TB_GUARDIAN_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 0 ] || [ "$rc" != 0 ]; then
    for p in "${WITNESS_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  fi
  if [ -n "$LEDGER_PID" ] && { [ "$KEEP" = 0 ] || [ "$rc" != 0 ]; }; then
    kill "$LEDGER_PID" 2>/dev/null || true
    wait "$LEDGER_PID" 2>/dev/null || true
  fi
  if [ "$CLUSTER" = 1 ] && { [ "$KEEP" = 0 ] || [ "$rc" != 0 ]; }; then
    "$ROOT/deploy/cluster.sh" stop --dir "$OUT/cluster" > /dev/null 2>&1 || true
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
source "$ROOT/deploy/lib/tabella.sh"
field() { tb_json "$1" "$2"; }

step "1. Packages and build (release preset)"
if [ -z "${DEMO_BUILD_DIR:-}" ]; then
  deploy/install-deps.sh
  mkdir -p "$ROOT/build"
  cmake --preset release > "$ROOT/build/demo-configure.log" 2>&1 ||
    { cat "$ROOT/build/demo-configure.log"; exit 1; }
  cmake --build --preset release --target tabella-ledger tabella-admin tabella-guardian \
    tabella-voters tabella-verify tabella-kiosk tabella-witness
else
  echo "   using the existing build in $BIN"
fi
took

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
ADMIN_BIN="$BIN/client/admin/tabella-admin"
GUARDIAN_BIN="$BIN/client/guardian/tabella-guardian"
KIOSK_BIN="$BIN/client/kiosk/tabella-kiosk"
BALLOT="$OUT/election.json"  # ballots/demo-general.json with the three witnesses (step 3)
ORIGIN=$(tb_origin "$ROOT/ballots/demo-general.json")

step "2. The election authority creates its signing key"
"$ADMIN_BIN" --key authority.key keygen --json > authority.json
AUTH=$(field authority.json public_key)
echo "   authority key $AUTH (fingerprint $(field authority.json fingerprint))"
took

step "3. Three witnesses start, the election names them (quorum 2), and the ledger starts"
# Three organisations each run a witness: it follows the ledger, replays and checks every entry,
# and cosigns a checkpoint only if it extends what it cosigned before. Their keys are made here;
# the election's manifest (published in entry 0) names them, so no one can swap them later.
WITNESS_ORGS=(riverton-league-of-voters.example riverton-university.example riverton-courier.example)
for org in "${WITNESS_ORGS[@]}"; do
  "$BIN/server/witness/tabella-witness" --data-dir "$OUT/witness-$org" --name "witness.$org" \
    --print-verifier-key > "witness-$org.vkey"
  echo "   witness.$org: $(cat "witness-$org.vkey")"
done
python3 - "$ROOT/ballots/demo-general.json" "$BALLOT" "${WITNESS_ORGS[@]}" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
members = [{"name": "witness." + org, "key": open("witness-%s.vkey" % org).read().strip()}
           for org in sys.argv[3:]]
doc["witnesses"] = {"quorum": 2, "members": members}
json.dump(doc, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PY
echo "   election definition: $BALLOT (ballots/demo-general.json + these witnesses, quorum 2)"
# The witnesses' ports: the ledger is told their URLs, they follow the ledger.
read -r -a WITNESS_PORTS <<< "$(tb_free_ports 3)"
WITNESS_URLS=()
for p in "${WITNESS_PORTS[@]}"; do WITNESS_URLS+=("http://127.0.0.1:$p"); done
if [ "$CLUSTER" = 1 ]; then
  # 12 free consecutive ports for etcd (clients, peers), the nodes and the witnesses.
  BASE=$(tb_free_ports 12 consecutive | cut -d' ' -f1)
  CLUSTER_ARGS=(--bin "$BIN" --dir "$OUT/cluster" --origin "$ORIGIN" --authority-key "$AUTH"
                --base-port "$BASE")
  for org in "${WITNESS_ORGS[@]}"; do
    CLUSTER_ARGS+=(--witness "witness.$org=$OUT/witness-$org")
  done
  "$ROOT/deploy/cluster.sh" start "${CLUSTER_ARGS[@]}" > cluster-start.log 2>&1 ||
    { cat cluster-start.log; exit 1; }
  mapfile -t NODES < cluster/nodes.txt
  mapfile -t WITNESS_URLS < cluster/witnesses.txt
  URL=${NODES[0]}
  echo "   etcd: 3 members on ports $BASE..$((BASE + 2)) (deploy/cluster.sh, state in $OUT/cluster)"
  for i in 0 1 2; do
    echo "   ledger node n$i at ${NODES[$i]}; witness.${WITNESS_ORGS[$i]} follows it, at ${WITNESS_URLS[$i]}"
  done
  echo "   one node at a time pushes the checkpoints to the three witnesses; the others share them"
else
"$BIN/server/tabella-ledger" --data-dir "$OUT/ledger-data" --origin "$ORIGIN" \
  --authority-key "$AUTH" --listen 127.0.0.1:0 \
  --witness "$(IFS=,; echo "${WITNESS_URLS[*]}")" > ledger.out 2> ledger.log &
LEDGER_PID=$!
URL=$(tb_wait_listening ledger.out "$LEDGER_PID" 10) ||
  { echo "the ledger did not start"; cat ledger.log; exit 1; }
echo "   ledger at $URL (pid $LEDGER_PID, data in $OUT/ledger-data)"
for i in 0 1 2; do
  org=${WITNESS_ORGS[$i]}
  "$BIN/server/witness/tabella-witness" --ledger "$URL" --listen "127.0.0.1:${WITNESS_PORTS[$i]}" \
    --data-dir "$OUT/witness-$org" --name "witness.$org" --poll 200ms \
    > "witness-$org.out" 2> "witness-$org.log" &
  WITNESS_PIDS+=($!)
done
for i in 0 1 2; do
  org=${WITNESS_ORGS[$i]}
  wurl=$(tb_wait_listening "witness-$org.out" "${WITNESS_PIDS[$i]}" 10) ||
    { echo "witness $org did not start"; cat "witness-$org.log"; exit 1; }
  echo "   witness.$org follows it, at $wurl"
done
NODES=("$URL" "$URL" "$URL")
fi
ADMIN=("$ADMIN_BIN" --ledger "$URL" --key authority.key)
took

step "4. The official defines the election from $BALLOT"
"${ADMIN[@]}" init --ballot "$BALLOT" | sed 's/^/   /'
took

step "5. Three guardians make keys, are enrolled, and run the key ceremony together"
tb_guardian_keys "$GUARDIAN_BIN" guardian-%s "1 2 3"  # passphrases in files: a demo, not advice
for i in 1 2 3; do
  "${ADMIN[@]}" guardians add --index "$i" --name "Guardian $i" \
    --public-key "$(field "guardian-$i.json" public_key)" | sed 's/^/   /'
done
# Each guardian talks to another node of the cluster.
tb_guardians_start "$GUARDIAN_BIN" "${NODES[*]:0:3}" guardian-%s guardian-%s.state ceremony-%s.log \
  "1 2 3" --timeout 300 --poll-interval-ms 200 ceremony
tb_guardians_wait || exit 1
grep -h "ceremony complete" ceremony-*.log | sed 's/^/   /'
took

step "6. The joint election key is published"
"${ADMIN[@]}" key publish | sed 's/^/   /'
took

step "7. Three kiosks are enrolled (fingerprints checked), $VOTERS voter tokens issued, polls open"
for k in 1 2; do
  "$BIN/client/tools/tabella-voters" keygen --out "kiosk-$k.key" --json > "kiosk-$k.json"
  "${ADMIN[@]}" kiosks enrol --public-key "$(field "kiosk-$k.json" public_key)" \
    --expect-fingerprint "$(field "kiosk-$k.json" fingerprint)" --name "kiosk-$k" \
    --precinct "P-01" | sed 's/^/   /'
done
# Kiosk 3 is the Qt kiosk program: its configuration, poll-worker PIN and first-run key.
KIOSK=("$KIOSK_BIN" --config "$OUT/kiosk-3/kiosk.conf")
"${KIOSK[@]}" --ledger "${NODES[2]}" --data-dir "$OUT/kiosk-3" --init-config > /dev/null
echo 0000 | "${KIOSK[@]}" --set-pin > /dev/null
"${KIOSK[@]}" --enrol > kiosk-3-enrol.txt
sed 's/^/   tabella-kiosk: /' kiosk-3-enrol.txt | grep -E 'Fingerprint|Public key'
"${ADMIN[@]}" kiosks enrol --public-key "$(sed -n 's/^Public key: //p' kiosk-3-enrol.txt)" \
  --expect-fingerprint "$(sed -n 's/^Fingerprint: //p' kiosk-3-enrol.txt)" --name "kiosk-3" \
  --precinct "P-01" | sed 's/^/   /'
"${ADMIN[@]}" tokens issue --count $((VOTERS + SPARE_TOKENS)) --precinct P-01 --out tokens |
  sed 's/^/   /'
# --force: the demo ballot's dates are fixed (2026-11-03); opening after its end date needs it.
"${ADMIN[@]}" polls open --force 2>&1 | sed 's/^/   /'
took

step "8. $SIM_VOTERS voters vote at the two simulated kiosks (3 challenge a ballot first and see it opened)"
if [ "$CLUSTER" = 0 ]; then
"$BIN/client/tools/tabella-voters" run --ledger "$URL" --kiosk-key kiosk-1.key \
  --kiosk-key kiosk-2.key --tokens tokens/tokens.csv --count "$SIM_VOTERS" --challenge 3 |
  sed 's/^/   /'
else
  # Kiosk 1 votes through node n0 and kiosk 2 through node n1, at the same time, each with its
  # own share of the tokens (kiosk 3, below, uses node n2).
  HALF=$(( SIM_VOTERS / 2 ))
  (umask 077
   { head -1 tokens/tokens.csv; sed -n "2,$((HALF + 1))p" tokens/tokens.csv; } > tokens/kiosk-1.csv
   { head -1 tokens/tokens.csv; sed -n "$((HALF + 2)),$((SIM_VOTERS + 1))p" tokens/tokens.csv; } \
     > tokens/kiosk-2.csv)
  for k in 1 2; do
    n=$(( k == 1 ? HALF : SIM_VOTERS - HALF ))
    "$BIN/client/tools/tabella-voters" run --ledger "${NODES[$((k - 1))]}" --kiosk-key "kiosk-$k.key" \
      --tokens "tokens/kiosk-$k.csv" --count "$n" --challenge $(( k == 1 ? 2 : 1 )) \
      > "voters-$k.log" 2>&1 &
    BG+=($!)
  done
  for p in "${BG[@]}"; do wait "$p" || { cat voters-*.log; exit 1; }; done
  BG=()
  for k in 1 2; do sed "s|^|   kiosk-$k via ${NODES[$((k - 1))]}: |" "voters-$k.log"; done
fi
took

step "9. $KIOSK_VOTERS voters vote through the kiosk program itself (tabella-kiosk, headless; 1 checks a ballot first)"
echo "   the window's code path: KioskModel -> dispatcher thread -> SQLite queue -> HTTP ledger client"
if [ "$CLUSTER" = 1 ]; then
  # A crash in the middle of the election: node n0, which acknowledged kiosk-1's ballots, dies
  # (SIGKILL) while kiosk-3 votes through node n2; restarted on its data dir, it must catch up
  # with the cluster and still hold every ballot.
  N0_CAST=$(curl -sf "${NODES[0]}/v1/status" | tb_json - ballots_cast)
  "$ROOT/deploy/cluster.sh" kill-node 0 --dir "$OUT/cluster" | sed 's/^/   /'
  echo "   node n0 (the cluster's appender) is down while kiosk-3 votes through n2 (n1 and n2 append themselves); n0 had $N0_CAST ballots cast"
fi
echo 0000 | "${KIOSK[@]}" --simulate-voters "$KIOSK_VOTERS" --skip-tokens "$SIM_VOTERS" \
  --tokens tokens/tokens.csv --challenge 1 --pin-stdin --json kiosk-3-voters.json \
  > kiosk-3-voters.txt || { cat kiosk-3-voters.txt; exit 1; }
if [ "$KIOSK_VOTERS" -gt 3 ]; then
  { head -4 kiosk-3-voters.txt; echo "..."; tail -1 kiosk-3-voters.txt; } | sed 's/^/   /'
else
  sed 's/^/   /' kiosk-3-voters.txt
fi
if [ "$CLUSTER" = 1 ]; then
  "$ROOT/deploy/cluster.sh" restart-node 0 --dir "$OUT/cluster" | sed 's/^/   /'
  # It catches up from etcd as it runs: wait (bounded) until it serves n2's log.
  python3 - "${NODES[0]}" "${NODES[2]}" "$N0_CAST" "$((SIM_VOTERS + KIOSK_VOTERS))" <<'PY'
import json, sys, time, urllib.request
n0, n2, before, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
status = lambda u: json.load(urllib.request.urlopen(u + "/v1/status"))
for _ in range(300):
    a, b = status(n0), status(n2)
    if a["size"] == b["size"]:
        break
    time.sleep(0.1)
assert a["size"] == b["size"], f"node n0 did not catch up: size {a['size']}, n2 {b['size']}"
assert a["ballots_cast"] == expected >= before, (a["ballots_cast"], expected, before)
print("   node n0 caught up: log size %d as on n2, %d ballots cast (%d before the crash, none lost)"
      % (a["size"], a["ballots_cast"], before))
PY
fi
took

if [ "$KEEP" = 1 ]; then
  tail -n "$SPARE_TOKENS" tokens/tokens.csv > tokens/unused.csv
  chmod 600 tokens/unused.csv
  printf '\n\033[1mDemo stopped with the polls open (--keep) after %.0fs.\033[0m\n' \
    "$(awk -v a="$(date +%s.%N)" -v b="$T0" "BEGIN{print a-b}")"
  echo "The ledger is running at $URL (pid $LEDGER_PID; data in $OUT/ledger-data)."
  echo "Its three witnesses are running too (pids ${WITNESS_PIDS[*]})."
  echo "$VOTERS ballots are cast; $SPARE_TOKENS voting codes are unused, in $OUT/tokens/unused.csv:"
  cut -d, -f1 tokens/unused.csv | sed 's/^/  /'
  echo
  echo "Vote in the kiosk window (kiosk-3, enrolled and open; poll-worker PIN 0000, Ctrl+Shift+P):"
  echo "  $KIOSK_BIN --config $OUT/kiosk-3/kiosk.conf"
  echo "Look around:"
  echo "  $ADMIN_BIN --ledger $URL status"
  echo "  curl $URL/v1/status"
  echo "Then finish the election (polls close; guardians 2 and 3 decrypt while the tally waits; publish; verify):"
  echo "  cd $OUT"
  echo "  $ADMIN_BIN --ledger $URL --key authority.key polls close"
  for i in 2 3; do
    echo "  $GUARDIAN_BIN --ledger $URL --index $i --key guardian-$i.key --state guardian-$i.state --passphrase-file guardian-$i.pass decrypt --yes &"
  done
  echo "  $ADMIN_BIN --ledger $URL --key authority.key tally --timeout 300"
  echo "  $ADMIN_BIN --ledger $URL --key authority.key publish published"
  echo "  $BIN/client/verify/tabella-verify published/record.jsonl"
  if [ "$CLUSTER" = 1 ]; then
    echo "Stop the cluster (etcd, nodes, witnesses) with: $ROOT/deploy/cluster.sh stop --dir $OUT/cluster"
  else
  echo "Stop the ledger and the witnesses with: kill $LEDGER_PID ${WITNESS_PIDS[*]}"
  fi
  exit 0
fi

step "10. Polls close"
"${ADMIN[@]}" polls close | sed 's/^/   /'
took

step "11. Tally: guardians 2 and 3 decrypt, guardian 1 is absent (quorum 2 of 3)"
"${ADMIN[@]}" tally --timeout 300 --poll-interval-ms 200 > tally.log 2>&1 &
TALLY=$!
BG+=($TALLY)
tb_guardians_start "$GUARDIAN_BIN" "${NODES[1]} ${NODES[2]}" guardian-%s guardian-%s.state \
  decrypt-%s.log "2 3" --timeout 300 --poll-interval-ms 200 decrypt --yes
tb_guardians_wait || exit 1
wait "$TALLY" || { cat tally.log; exit 1; }
BG=()
grep -h "posted" decrypt-*.log | sed 's/^/   /'
grep -E "published" tally.log | sed 's/^/   /'
took

step "12. The official publishes the record and the results"
"${ADMIN[@]}" publish published > publish.log 2>&1 || { cat publish.log; exit 1; }
sed 's/^/   /' published/results.txt
took

step "13. Anyone re-checks the whole election with tabella-verify"
"$BIN/client/verify/tabella-verify" published/record.jsonl > published/verify.txt ||
  { cat published/verify.txt; exit 1; }
grep -E '^\[|^Record|^Election' published/verify.txt | sed 's/^/   /' | head -40
# The record proves its own completeness: its final checkpoint covers every entry and carries
# the cosignatures of at least 2 of the 3 witnesses (checks 23 and 24, re-checked here by hand).
python3 - published/record.jsonl "${WITNESS_ORGS[@]}" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
entries = sum(1 for l in lines if "entry" in l)
final = [l["checkpoint"] for l in lines if "checkpoint" in l][-1]
size = int(final.split("\n")[1])
signers = {l.split(" ")[1] for l in final.split("\n\n", 1)[1].splitlines() if l.startswith("\u2014 ")}
cosigned = [o for o in sys.argv[2:] if "witness." + o in signers]
assert size == entries, (size, entries)
assert len(cosigned) >= 2, signers
print("   final checkpoint: size %d = the record's %d entries, cosigned by %s"
      % (size, entries, ", ".join("witness." + o for o in cosigned)))
PY
python3 - "$URL" "$(sed -n 's/^Public key: //p' kiosk-3-enrol.txt)" kiosk-3-voters.json <<'PY'
import json, sys, urllib.request
k = json.load(urllib.request.urlopen(sys.argv[1] + "/v1/kiosks/" + sys.argv[2]))
v = json.load(open(sys.argv[3]))
assert k["cast"] == v["cast"] and k["challenged"] == v["challenged"], (k, v)
print("   in the record: %d ballots cast and %d checked by kiosk-3, the tabella-kiosk program"
      % (k["cast"], k["challenged"]))
PY
if [ "$CLUSTER" = 1 ]; then
  # Every node rebuilt the same log from etcd: same size and root (the checkpoint's body).
  python3 - "${NODES[@]}" <<'PY'
import sys, time, urllib.request
bodies = []
for _ in range(100):
    bodies = [urllib.request.urlopen(u + "/checkpoint").read().decode().split("\n\n")[0]
              for u in sys.argv[1:]]
    if len(set(bodies)) == 1:
        break
    time.sleep(0.1)
assert len(set(bodies)) == 1, bodies
print("   all 3 ledger nodes serve the same log: size %s, root %s"
      % (bodies[0].split("\n")[1], bodies[0].split("\n")[2]))
PY
fi
took

printf '\n\033[1mDemo complete in %.0fs.\033[0m\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" "BEGIN{print a-b}")"
echo "  record:   $OUT/published/record.jsonl"
echo "  results:  $OUT/published/results.txt  $OUT/published/results.html"
echo "  report:   $OUT/published/verify.txt"
echo "  tokens:   $OUT/tokens/tokens.pdf (printable voter slips)"
