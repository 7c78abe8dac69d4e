#!/usr/bin/env bash
# deploy/cluster.sh start|stop|status [--bin DIR] [--dir STATE_DIR] [--origin O --authority-key HEX]
#                                     [--key-file LEDGER_KEY]
# A 3-member etcd cluster and 3 tabella-ledger nodes on 127.0.0.1 (docs/cluster.md).
#   etcd members m0..m2: client ports 2379, 22379, 32379; peer ports 2380, 22380, 32380
#   ledger nodes n0..n2: http://127.0.0.1:8641..8643, data dirs STATE_DIR/n0..n2, all signing
#   checkpoints with one ledger key (--key-file; default STATE_DIR/ledger.key, created once)
# The ledger nodes are started only if this tabella-ledger has --cluster (see docs/cluster.md,
# "Status of the wiring"); otherwise only etcd is started and the script says so.
set -euo pipefail
cmd=${1:-}; shift || true
bin=build/release/server; dir=${TABELLA_CLUSTER_DIR:-/tmp/tabella-cluster}; origin=""; authority=""; key_file=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=$2; shift 2;; --dir) dir=$2; shift 2;;
    --origin) origin=$2; shift 2;; --authority-key) authority=$2; shift 2;;
    --key-file) key_file=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
client_ports=(2379 22379 32379); peer_ports=(2380 22380 32380); ledger_ports=(8641 8642 8643)
initial=""; endpoints=""
for i in 0 1 2; do
  initial+="${initial:+,}m$i=http://127.0.0.1:${peer_ports[$i]}"
  endpoints+="${endpoints:+,}127.0.0.1:${client_ports[$i]}"
done

start() {
  mkdir -p "$dir"
  for i in 0 1 2; do
    if [[ -f $dir/m$i.pid ]] && kill -0 "$(cat "$dir/m$i.pid")" 2>/dev/null; then continue; fi
    state=new; [[ -d $dir/m$i/member ]] && state=existing
    etcd --name m$i --data-dir "$dir/m$i" \
      --listen-client-urls http://127.0.0.1:${client_ports[$i]} \
      --advertise-client-urls http://127.0.0.1:${client_ports[$i]} \
      --listen-peer-urls http://127.0.0.1:${peer_ports[$i]} \
      --initial-advertise-peer-urls http://127.0.0.1:${peer_ports[$i]} \
      --initial-cluster "$initial" --initial-cluster-state $state \
      --initial-cluster-token tabella --max-txn-ops 1024 --max-request-bytes 33554432 \
      >"$dir/m$i.log" 2>&1 &
    echo $! >"$dir/m$i.pid"
  done
  for _ in $(seq 50); do
    ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint health >/dev/null 2>&1 && break
    sleep 0.2
  done
  ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint status -w table
  if ! "$bin/tabella-ledger" --help 2>/dev/null | grep -q -- --cluster; then
    echo "etcd is up; $bin/tabella-ledger has no --cluster option yet: ledger nodes not started"
    return 0
  fi
  [[ -n $origin && -n $authority ]] || { echo "--origin and --authority-key are required" >&2; exit 2; }
  key_file=${key_file:-$dir/ledger.key}
  # Created once here (0600) so that every node signs with the same key.
  echo "ledger verifier key: $("$bin/tabella-ledger" --print-verifier-key --origin "$origin" \
    --key-file "$key_file")"
  for i in 0 1 2; do
    "$bin/tabella-ledger" --cluster "etcd://$endpoints" --data-dir "$dir/n$i" \
      --listen 127.0.0.1:${ledger_ports[$i]} --origin "$origin" --authority-key "$authority" \
      --key-file "$key_file" >"$dir/n$i.log" 2>&1 &
    echo $! >"$dir/n$i.pid"
  done
  echo "ledger nodes: http://127.0.0.1:8641 http://127.0.0.1:8642 http://127.0.0.1:8643"
}

stop() {
  for f in "$dir"/n?.pid "$dir"/m?.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  done
  echo stopped
}

case $cmd in
  start) start;;
  stop) stop;;
  status) ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint status -w table;;
  *) echo "usage: $0 start|stop|status [--bin DIR] [--dir DIR] [--origin O --authority-key HEX]" >&2; exit 2;;
esac
