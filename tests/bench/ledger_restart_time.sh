#!/usr/bin/env bash
# How long a real tabella-ledger takes to open an existing data dir and serve: wall time from exec
# to its "listening on http" line, and the process's CPU time (user + system, /proc) by then.
# For a data dir kept by tabella-loadgen --work-dir DIR (node 0 is DIR/n0, its key DIR/ledger.key)
# over a cached election (the origin and authority come from the cache's header.json).
#
#   ledger_restart_time.sh LEDGER_BIN WORK_DIR CACHE_DIR [RUNS]
#
# Prints one line per run with the ledger's own "replayed" log line (entries, seconds, whether
# from stored state); the ledger is stopped (SIGTERM) after each. Needs jq and bc.
set -euo pipefail
ledger=$1 work=$2 cache=$3 runs=${4:-2}
origin=$(jq -r .origin "$cache/header.json")
authority=$(jq -r .authority "$cache/header.json")
tick=$(getconf CLK_TCK)
for ((r = 1; r <= runs; r++)); do
  log=$(mktemp)
  t0=$(date +%s.%N)
  "$ledger" --listen 127.0.0.1:0 --data-dir "$work/n0" --origin "$origin" \
    --authority-key "$authority" --key-file "$work/ledger.key" >"$log" 2>&1 &
  pid=$!
  until grep -q 'listening on http' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "tabella-ledger exited:"; cat "$log"; exit 1
    fi
    sleep 0.01
  done
  t1=$(date +%s.%N)
  read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
  cpu=$(echo "scale=3; (${f[11]} + ${f[12]}) / $tick" | bc)
  rss=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$pid/status")
  printf 'run %d: serving after %.3f s wall, %s s CPU, peak RSS %.1f MB; %s\n' "$r" \
    "$(echo "$t1 - $t0" | bc)" "$cpu" "$rss" \
    "$(grep -o 'event=replayed.*' "$log")"
  kill "$pid"
  wait "$pid" || true
  rm -f "$log"
done
