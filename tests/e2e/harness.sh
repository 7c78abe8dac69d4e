# Shared prologue of the end-to-end scripts, sourced after `set -euo pipefail` with BIN (the
# directory of the tabella-* programs) set. Builds on deploy/lib/tabella.sh (tb_json,
# tb_origin, tb_wait_listening, tb_stop, the tb_guardian* helpers), which deploy/demo.sh and
# deploy/cluster.sh use too.
#   e2e_setup NAME          makes and enters a work dir ($WORK); on exit stops $LEDGER_PID (and
#                           $LEDGER2_PID, a second ledger, when set), every pid in BG_PIDS and
#                           the guardians tb_guardians_start runs, and removes the work dir
#                           (KEEP_WORK=1 keeps it)
#   e2e_free_port VAR       sets VAR to a port for a server to be restarted on the same port:
#                           tb_free_ports' (below the ephemeral range: no outgoing connection
#                           takes it while the server is down), and locked against the other
#                           test processes until this shell exits (the lock files of
#                           tests/support/process.cpp's free_ports())
#   e2e_start_ledger ARGS   starts "$BIN/tabella-ledger" ARGS (stdout ledger.out, stderr appended
#                           to ledger.err), sets LEDGER_PID and URL once it listens, or fails
#   fail MSG                prints MSG and the ledger's last log lines (ledger.err), exits 1
#   step MSG                prints a step heading
#   jget FILE KEY           a member of a JSON file (tb_json)
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/lib/tabella.sh"

e2e_setup() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tabella-$1.XXXXXX")
  LEDGER_PID=""
  BG_PIDS=()
  trap e2e_cleanup EXIT
  cd "$WORK"
}
e2e_cleanup() {
  local p
  for p in "${BG_PIDS[@]}" "${TB_GUARDIAN_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${LEDGER2_PID:-}" ]; then kill "$LEDGER2_PID" 2>/dev/null || true; fi
  if [ -n "$LEDGER_PID" ]; then kill "$LEDGER_PID" 2>/dev/null || true; wait "$LEDGER_PID" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
e2e_start_ledger() {
  : > ledger.out
  "$BIN/tabella-ledger" "$@" > ledger.out 2>> ledger.err &
  LEDGER_PID=$!
  URL=$(tb_wait_listening ledger.out "$LEDGER_PID" 30) || fail "tabella-ledger did not start"
}
e2e_free_port() {
  local i port lockdir=${TMPDIR:-/tmp}/tabella-test-ports
  mkdir -p "$lockdir" && chmod 1777 "$lockdir" 2>/dev/null || true
  for (( i = 0; i < 100; i++ )); do
    port=$(tb_free_ports 1) || fail "no free port below the ephemeral range"
    exec {E2E_PORT_FD}>> "$lockdir/$port"
    if flock -n "$E2E_PORT_FD"; then
      printf -v "$1" '%s' "$port"
      return 0
    fi
    exec {E2E_PORT_FD}>&-  # another test process holds it
  done
  fail "no port below the ephemeral range that another test process does not hold"
}
fail() { echo "FAIL: $*" >&2; [ -f ledger.err ] && tail -5 ledger.err >&2; exit 1; }
step() { echo "== [${SECONDS}s] $*"; }
jget() { tb_json "$1" "$2"; }
