#!/usr/bin/env bash
# Where a single ledger's CPU goes under tabella-loadgen, by stage (docs/benchmarks.md, "Ledger
# throughput"). Runs tabella-loadgen, attaches `perf record --call-graph dwarf` to its ledger for
# a few seconds in the middle of the ingest, and splits the samples by the stack they came from:
# precheck (proofs, body decode, signature), admission, HTTP, the committer's parts, the pool.
#
#   tests/bench/ledger_profile.sh [--build DIR] [--delay S] [--seconds S] [-- loadgen args...]
#
# Needs perf (Debian: linux-perf) with permission to attach to one's own processes, and python3.
# Default loadgen arguments: --ballots 5000 --connections 16. Prints loadgen's summary, then the
# breakdown in % of the ledger's samples and in us per ballot (from loadgen's "ledger CPU").
set -euo pipefail

build=build/release
delay=2
seconds=6
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --delay) delay="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(--ballots 5000 --connections 16)
command -v perf >/dev/null || { echo "perf not found (Debian: apt-get install linux-perf)" >&2; exit 1; }
loadgen="$build/server/tabella-loadgen"
ledger="$build/server/tabella-ledger"
for b in "$loadgen" "$ledger"; do
  [[ -x $b ]] || { echo "$b: not built (cmake --build --preset release --target tabella-ledger tabella-loadgen)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$loadgen" --ledger-bin "$ledger" "${args[@]}" >"$work/loadgen.txt" 2>&1 &
lg=$!
pid=
for _ in $(seq 1 2400); do  # the verification bound runs first: up to 10 minutes
  pid=$(pgrep -P "$lg" -x tabella-ledger | head -1 || true)
  [[ -n $pid ]] && break
  kill -0 "$lg" 2>/dev/null || break
  sleep 0.25
done
if [[ -z $pid ]]; then
  wait "$lg" || true
  cat "$work/loadgen.txt"
  echo "tabella-loadgen started no ledger" >&2
  exit 1
fi
echo "ledger pid $pid; profiling ${seconds} s after ${delay} s" >&2
sleep "$delay"
perf record -q -F 400 --call-graph dwarf,16384 -p "$pid" -o "$work/perf.data" -- sleep "$seconds" \
  >/dev/null 2>&1 || echo "perf record failed (perf_event_paranoid?)" >&2
wait "$lg"
grep -v -e '^  progress' -e '^            stages' "$work/loadgen.txt"
ms=$(sed -n 's/.*, \([0-9.]*\) ms\/ballot = .*/\1/p' "$work/loadgen.txt" | head -1)
perf script -i "$work/perf.data" 2>/dev/null >"$work/perf.txt"
python3 - "$work/perf.txt" "${ms:-0}" <<'EOF'
import collections, sys

# First match wins; a sample belongs to the innermost stage named on its stack.
stages = [
    ("precheck: proofs", ["record::complete_proofs"]),
    ("precheck: body decode", ["record::decode_body"]),
    ("precheck: signature (on the I/O thread)", ["verify_signature"]),
    ("admission: already stored? (SHA-256 + SQLite)", ["ElectionLedger::admit"]),
    ("request: base64", ["from_base64"]),
    ("request: route handler, other", ["Router::handle"]),
    ("HTTP read/write, TCP, epoll", ["io_context::run"]),
    ("committer: SQLite append + fsync", ["append_batch"]),
    ("committer: stored? (find_by_hash)", ["find_by_hash"]),
    ("committer: election rules (validate)", ["ElectionLedger::validate"]),
    ("committer: Merkle (before_commit)", ["before_commit"]),
    ("committer: publish (after_commit)", ["after_commit"]),
    ("committer: other", ["Committer::Impl"]),
    ("pool: receipt", ["SubmitReply", "Impl::receipt"]),
    ("pool: other", ["ThreadPool::run"]),
    ("other threads", [""]),
]
count = collections.Counter()
total = 0
for sample in open(sys.argv[1]).read().split("\n\n"):
    lines = [l.strip() for l in sample.strip().split("\n") if l.strip()]
    if len(lines) < 2:
        continue
    total += 1
    stack = " | ".join(lines[1:])
    for name, keys in stages:
        if any(k in stack for k in keys):
            count[name] += 1
            break
ms = float(sys.argv[2])
print(f"profile: {total} samples" + (f", ledger CPU {ms:.2f} ms/ballot" if ms else ""))
for name, _ in stages:
    if count[name]:
        share = count[name] / total
        print(f"  {name:47s} {100 * share:5.1f}%" + (f" {1000 * ms * share:6.0f} us/ballot" if ms else ""))
EOF
