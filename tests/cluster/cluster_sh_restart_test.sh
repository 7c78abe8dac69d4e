#!/usr/bin/env bash
# deploy/cluster.sh restart-node (and kill-node) refuses what it must not do to a process a pid file names:
#   1. a pid file naming another program (a stale pid reused): no SIGKILL, exit 1, it lives on;
#   2. a tabella-ledger that SIGKILL does not remove (here a zombie its parent never reaps, as a
#      process stuck in the kernel would stay): exit 1 after a bounded wait, no second node
#      started on its port and data dir.
# Needs no etcd: restart-node reads only the state dir (nN.pid, nN.cmd).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The command restart-node would run: it must never run in either case.
echo "touch $work/restarted" >"$work/n0.cmd"

# 1. Another program.
sleep 300 &
pids+=($!)
disown
echo $! >"$work/n0.pid"
if out=$("$root/deploy/cluster.sh" restart-node 0 --dir "$work" 2>&1); then
  fail "restart-node succeeded on a pid file naming sleep: $out"
fi
grep -q "is not a tabella-ledger; not killing it" <<<"$out" || fail "unexpected message: $out"
kill -0 "${pids[0]}" || fail "restart-node killed a process that is not a tabella-ledger"
[[ ! -e $work/restarted ]] || fail "restart-node started a node anyway"
if out=$("$root/deploy/cluster.sh" kill-node 0 --dir "$work" 2>&1); then
  fail "kill-node succeeded on a pid file naming sleep: $out"
fi
kill -0 "${pids[0]}" || fail "kill-node killed a process that is not a tabella-ledger"
echo "ok: a pid file naming another program is refused (restart-node, kill-node), the program lives on"

# 2. A tabella-ledger that does not go away: a zombie (its parent sleeps and never reaps it).
mkdir "$work/bin"
cp "$(command -v sleep)" "$work/bin/tabella-ledger"
python3 -c '
import os, sys, time
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], ["tabella-ledger", "300"])
open(sys.argv[2], "w").write(str(pid))
time.sleep(300)
' "$work/bin/tabella-ledger" "$work/n0.pid" &
pids+=($!)
disown
ledger=""
for _ in $(seq 200); do
  [[ -s $work/n0.pid ]] && ledger=$(cat "$work/n0.pid")
  [[ -n $ledger && $(cat "/proc/$ledger/comm" 2>/dev/null) == tabella-ledger ]] && break
  sleep 0.05
done
pids+=("$ledger")
[[ $(cat "/proc/$ledger/comm") == tabella-ledger ]] || fail "the stand-in is not named tabella-ledger"
start=$SECONDS
if out=$(timeout 60 "$root/deploy/cluster.sh" restart-node 0 --dir "$work" 2>&1); then
  fail "restart-node succeeded although the node never went away: $out"
fi
grep -q "still there 10 s after SIGKILL" <<<"$out" || fail "unexpected message: $out"
(( SECONDS - start < 30 )) || fail "restart-node waited $((SECONDS - start)) s"
[[ ! -e $work/restarted ]] || fail "restart-node started a second node beside the one still there"
echo "ok: a node still there 10 s after SIGKILL is reported, and no second node is started"
