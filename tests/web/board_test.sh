#!/usr/bin/env bash
# The bulletin board in headless chromium against a real election (tests/web/board_browser.mjs).
# Usage: board_test.sh BIN_DIR SOURCE_DIR NODE_MODULES_DIR SCREENSHOT_DIR
# Also checks the static copy of the board written by `tabella-admin publish`, served from files.
set -euo pipefail
BIN="$1"; SRC="$2"; MODULES="$3"; SHOTS="$4"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tabella-web.XXXXXX")
cleanup() {
  if [ -f "$WORK/ledger.pid" ]; then
    kill "$(cat "$WORK/ledger.pid")" 2>/dev/null || true
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
command -v "${CHROMIUM:-/usr/bin/chromium}" > /dev/null || { echo "chromium missing: deploy/install-deps.sh"; exit 1; }
echo "== a small real election"
"$SRC/tests/web/make_election.sh" "$BIN" "$SRC" "$WORK" 6 2
echo "== tabella-admin publish (record, results, static board)"
"$BIN/tabella-admin" --ledger "$(cat "$WORK/url")" --key "$WORK/authority.key" publish "$WORK/published"
echo "== the board in chromium (screenshots in $SHOTS)"
NODE_PATH="$MODULES" node "$SRC/tests/web/board_browser.mjs" "$(cat "$WORK/url")" "$WORK" "$SHOTS" \
  "$WORK/published"
