#!/usr/bin/env bash
# systemd-analyze verify on deploy/systemd/*.service, with ExecStart pointed at the built
# binaries (systemd checks that the command exists) and the example configs in place of /etc.
# Usage: verify-units.sh SOURCE_DIR BIN_DIR   (BIN_DIR holds tabella-ledger and tabella-witness)
set -euo pipefail
SRC="$1"
BIN="$2"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (deploy/install-deps.sh)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tabella-units.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for unit in "$SRC"/deploy/systemd/*.service; do
  name=$(basename "$unit")
  sed -e "s#/usr/bin/tabella-#$BIN/tabella-#g" \
      -e "s#/etc/tabella/ledger.conf#$SRC/deploy/examples/ledger.conf#g" \
      -e "s#/etc/tabella/witness.env#$SRC/deploy/examples/witness.env#g" "$unit" > "$WORK/$name"
  grep -q '^DynamicUser=yes' "$WORK/$name" || { echo "$name: no DynamicUser=yes" >&2; exit 1; }
  grep -q '^ProtectSystem=strict' "$WORK/$name" || { echo "$name: no ProtectSystem=strict" >&2; exit 1; }
  grep -q '^StateDirectory=' "$WORK/$name" || { echo "$name: no StateDirectory" >&2; exit 1; }
done
# Any message is a finding (an unknown key, a bad value, a missing binary).
out=$(cd "$WORK" && systemd-analyze verify --man=no ./*.service 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
# The example config is read without an error (an unknown key is one) and the data dir in
# ExecStart is the StateDirectory.
"$BIN/tabella-ledger" --config "$SRC/deploy/examples/ledger.conf" --data-dir "$WORK/data" \
  --print-verifier-key > /dev/null
{ cat "$SRC/deploy/examples/ledger.conf"; echo "tls_kye = /x"; } > "$WORK/misspelt.conf"
if "$BIN/tabella-ledger" --config "$WORK/misspelt.conf" --data-dir "$WORK/data" \
  --print-verifier-key > /dev/null 2> "$WORK/misspelt.err"; then
  echo "a config file with a misspelt key was accepted" >&2
  exit 1
fi
grep -q "tls" "$WORK/misspelt.err" || { cat "$WORK/misspelt.err"; exit 1; }
grep -q -- '--data-dir /var/lib/tabella-ledger' "$SRC/deploy/systemd/tabella-ledger.service"
grep -q -- '--data-dir /var/lib/tabella-witness' "$SRC/deploy/systemd/tabella-witness.service"
echo "verify-units: $(ls "$WORK"/*.service | wc -l) units ok"
