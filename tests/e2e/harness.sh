# Shared prologue of the end-to-end scripts, sourced after `set -euo pipefail`:
#   e2e_setup NAME   makes and enters a work dir ($WORK), stops $LEDGER_PID (when set) and
#                    removes the work dir on exit (KEEP_WORK=1 keeps it)
#   fail MSG         prints MSG and the ledger's last log lines (ledger.err), exits 1
e2e_setup() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tabella-$1.XXXXXX")
  LEDGER_PID=""
  trap e2e_cleanup EXIT
  cd "$WORK"
}
e2e_cleanup() {
  if [ -n "$LEDGER_PID" ]; then kill "$LEDGER_PID" 2>/dev/null || true; wait "$LEDGER_PID" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
fail() { echo "FAIL: $*" >&2; [ -f ledger.err ] && tail -5 ledger.err >&2; exit 1; }
