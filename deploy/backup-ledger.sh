#!/usr/bin/env bash
# Online backup of a running tabella-ledger (docs/operations.md "Backups"): a consistent copy of
# ledger.sqlite (SQLite's VACUUM INTO: one read transaction, while the ledger keeps writing; WAL
# mode lets it), checked with PRAGMA integrity_check, plus the ledger key. Writes
# DEST/ledger.sqlite and DEST/ledger.key (0600), each complete or absent: a copy is written under
# a temporary name, fsync'ed, then renamed.
# Usage: deploy/backup-ledger.sh DATA_DIR DEST_DIR
#   e.g. deploy/backup-ledger.sh /var/lib/tabella-ledger /var/backups/tabella/$(date -u +%Y%m%dT%H%M%SZ)
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then usage; exit 0; fi
if [ $# -ne 2 ]; then usage >&2; exit 2; fi
DATA="$1"
DEST="$2"
[ -f "$DATA/ledger.sqlite" ] || { echo "backup-ledger: no ledger.sqlite in $DATA" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "backup-ledger: needs the sqlite3 program (apt-get install sqlite3)" >&2; exit 1; }
umask 077
mkdir -p "$DEST"
tmp="$DEST/ledger.sqlite.partial"
rm -f "$tmp"
# One read transaction: a snapshot as of its start, never torn, and the ledger's writer is not
# blocked. (The shell's .backup copies in steps and starts over whenever the ledger commits in
# between, which under steady voting may never finish.)
sqlite3 -bail "$DATA/ledger.sqlite" ".timeout 10000" "VACUUM INTO '$tmp';"
check=$(sqlite3 "$tmp" "PRAGMA integrity_check;")
[ "$check" = ok ] || { echo "backup-ledger: the copy fails integrity_check: $check" >&2; exit 1; }
entries=$(sqlite3 "$tmp" "SELECT count(*) FROM entries;" 2>/dev/null || echo "?")
sync "$tmp"
mv -f "$tmp" "$DEST/ledger.sqlite"
if [ -f "$DATA/ledger.key" ]; then
  cp "$DATA/ledger.key" "$DEST/ledger.key.partial"
  chmod 600 "$DEST/ledger.key.partial"
  sync "$DEST/ledger.key.partial"
  mv -f "$DEST/ledger.key.partial" "$DEST/ledger.key"
fi
sync "$DEST"
echo "backup-ledger: $DEST/ledger.sqlite ($entries entries) and ledger.key"
